"""The baseline of bench/run: a bare Flask "hello world", served like the store.

.venv/bin/gunicorn -w 2 -b 127.0.0.1:PORT --chdir bench hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
