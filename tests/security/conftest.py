"""Fixtures of the security tests: rate limits off, errors answered as in production.

`PROPAGATE_EXCEPTIONS` is off so that a crash is answered with the 500 page a visitor would
see (and the test reports the status) rather than raised inside the test client.
"""

import contextvars
import os

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from store.accounts import models as account_models
from store.accounts import services as account_services
from tests.conftest import Forms

#: the suite's second run, on PostgreSQL (CI sets TEST_DATABASE_URL)
ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")

PASSWORD = "mot de passe sûr"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": False}


class IsolatedClient(FlaskClient):
    """A test client whose every request gets a fresh app context, as in production.

    The `db` fixture keeps an app context open for the whole test, and Flask reuses it for
    requests, so `g` (where Flask-Login caches the current user) would leak from one browser
    to the next: after Bob logs in, Alice's requests would run as Bob.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient


def _cheap_hash(password, method=None, salt_length=16):
    return generate_password_hash(password, "pbkdf2:sha256:1", salt_length)


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """Hash passwords with one PBKDF2 round: these tests log in hundreds of times and do not
    test hashing (tests/accounts does). The login code itself is unchanged."""
    for module in (account_models, account_services):
        if hasattr(module, "generate_password_hash"):
            monkeypatch.setattr(module, "generate_password_hash", _cheap_hash)
    # the hash unknown emails are checked against is made again, cheaply, then restored
    monkeypatch.setattr(account_services, "_DUMMY_HASH", None, raising=False)


def visitor(app) -> Forms:
    """A new browser: its own cookies, posting forms with its own CSRF token."""
    return Forms(app.test_client())


@pytest.fixture
def make_user(db):
    """Create an account (customer by default); returns the user."""

    def make(email: str, *, admin: bool = False):
        user = account_services.register_user(email, PASSWORD, is_admin=admin)
        db.session.commit()
        return user

    return make


def logged_in(app, user) -> Forms:
    """A new browser logged in as `user` through the login form."""
    browser = visitor(app)
    response = browser.post("/account/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 303, response.status_code
    return browser
