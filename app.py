"""Entry point: `flask --app app run` or `gunicorn -c python:store.gunicorn_conf app:app`."""

import sys

from store import create_app
from store.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:
    sys.exit(f"Configuration error: {error}")
