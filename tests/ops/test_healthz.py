"""GET /healthz tells anybody whether the store is up, and only the operator (the configured
token) or an admin what it runs on: an attacker learns nothing of the environment, the
database, the rate-limit storage or Stripe's mode."""

import pytest
from sqlalchemy.exc import OperationalError

from store.config import from_environment
from tests.security.conftest import ON_POSTGRESQL

TOKEN = "a-long-random-token-for-the-health-probe"
DETAILS = (
    "environment",
    "database",
    "config",
    "sqlite",
    "postgresql",
    "memory",
    "stripe",
    "production",
)
#: the database this run of the suite uses (CI runs it on SQLite, then on PostgreSQL)
BACKEND = "postgresql" if ON_POSTGRESQL else "sqlite"


@pytest.fixture
def operator_token(app):
    app.config["HEALTHZ_TOKEN"] = TOKEN
    return TOKEN


@pytest.fixture
def database_down(monkeypatch):
    from store.extensions import db

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", refuse)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_status_only(response, status: int, word: str) -> None:
    assert response.status_code == status
    assert response.get_json() == {"status": word}
    text = response.get_data(as_text=True)
    assert not any(detail in text for detail in DETAILS), text
    assert response.headers["Cache-Control"] == "no-store"


def test_an_anonymous_caller_learns_only_that_the_store_is_up(client, payments, operator_token):
    assert_status_only(client.get("/healthz"), 200, "ok")


def test_an_anonymous_caller_learns_only_that_the_store_is_down(
    client, operator_token, database_down
):
    assert_status_only(client.get("/healthz"), 503, "unavailable")


def test_the_operators_token_shows_what_is_configured(client, payments, operator_token):
    response = client.get("/healthz", headers=bearer(TOKEN))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok", "backend": BACKEND}
    assert body["config"]["environment"] == "production"
    assert body["config"]["rate_limit_storage"] == "memory"
    assert body["config"]["stripe_test_mode"] is True
    assert TOKEN not in response.get_data(as_text=True)


def test_the_token_still_shows_the_details_when_the_database_is_down(
    client, operator_token, database_down
):
    response = client.get("/healthz", headers={"Authorization": f"bearer  {TOKEN} "})
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["database"]["status"] == "unreachable"
    assert "config" in body


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer wrong",
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer",
        "Bearer ",
        "Bearer caf\xe9",  # not ASCII: compared as bytes, no TypeError
    ],
)
def test_a_wrong_token_gets_the_anonymous_answer_not_an_error(
    client, operator_token, authorization
):
    response = client.get("/healthz", headers={"Authorization": authorization})
    assert_status_only(response, 200, "ok")


@pytest.mark.parametrize("token", ["", "None", "null"])
def test_without_a_configured_token_no_token_opens_the_details(app, client, token):
    assert app.config["HEALTHZ_TOKEN"] is None
    assert_status_only(client.get("/healthz", headers=bearer(token)), 200, "ok")


def test_an_admin_session_shows_what_is_configured(client, admin):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == {"status": "ok", "backend": BACKEND}
    assert "config" in response.get_json()


def test_a_customer_session_gets_the_anonymous_answer(client, login_as):
    login_as("client@example.org", admin=False)
    assert_status_only(client.get("/healthz"), 200, "ok")


def test_an_admin_session_without_a_database_gets_the_short_answer_not_a_500(
    client, admin, database_down
):
    # The admin's account cannot be read: nobody is shown the details, nothing crashes.
    assert_status_only(client.get("/healthz"), 503, "unavailable")


def test_the_token_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("HEALTHZ_TOKEN", raising=False)
    assert from_environment(str(tmp_path), generate_secret=False)["HEALTHZ_TOKEN"] is None
    monkeypatch.setenv("HEALTHZ_TOKEN", "")
    assert from_environment(str(tmp_path), generate_secret=False)["HEALTHZ_TOKEN"] is None
    monkeypatch.setenv("HEALTHZ_TOKEN", TOKEN)
    assert from_environment(str(tmp_path), generate_secret=False)["HEALTHZ_TOKEN"] == TOKEN


@pytest.mark.parametrize(
    "url, pinged",
    [("sqlite:////tmp/store.db", False), ("postgresql://postgres@127.0.0.1/store", True)],
)
def test_pooled_connections_are_tested_before_use_on_a_database_server_only(
    monkeypatch, tmp_path, url, pinged
):
    """A server may drop idle connections (a restart): each is tested as it leaves the pool.
    A SQLite file has none to lose, and the test would cost a statement per request."""
    monkeypatch.setenv("DATABASE_URL", url)
    options = from_environment(str(tmp_path), generate_secret=False)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is pinged
