"""Fixtures of the download tests: every request in its own app context, as in production.

The `db` fixture keeps an app context open for the whole test and Flask reuses it for
requests, so Flask-Login's cached user in `g` would leak from one browser to the next: the
second customer's request would run as the first one and the 404 on a foreign link would
pass or fail for the wrong reason.
"""

import contextvars

import pytest
from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    """A test client whose every request gets a fresh app context."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient
