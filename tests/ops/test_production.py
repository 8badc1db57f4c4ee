"""What an owner putting the store on the internet relies on: headers, cookies, secrets,
health checks, rate limits, logs, and a clean recovery when the database fails."""

import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from store import create_app
from store.articles.models import Comment
from store.catalog.models import Billing
from store.config import ConfigurationError
from store.extensions import db
from tests.conftest import CHECKOUT_CONSENT, Forms
from tests.ops.fresh_clone import fresh_clone
from tests.security.pages import badge

ROOT = Path(__file__).resolve().parents[2]
#: the operator's token: /healthz shows what is configured only to it (or to an admin)
HEALTHZ_TOKEN = "operator-token-of-the-health-probe"


def test_security_headers_on_every_page(client, seeded):
    for url in [
        "/",
        "/shop",
        "/cart",
        "/articles/differend-openai-elon-musk-blague-proces",
        "/account/login",
        "/nope",
    ]:
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, url
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers  # plain http here


def test_hsts_when_served_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_have_no_inline_script_or_style(client, seeded):
    for url in ["/", "/shop", "/cart", "/articles/differend-openai-elon-musk-blague-proces"]:
        page = client.get(url).get_data(as_text=True)
        inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)
        assert set(inline_scripts) <= {'<script type="application/ld+json">'}, url  # data only
        assert "<style" not in page and " style=" not in page, url


def test_cookies_are_httponly_lax_and_secure_in_production(forms, client, login_as):
    login_as("client@example.org", admin=False, password="un mot de passe")
    forms.post("/account/logout")
    forms.post(
        "/account/login",
        {"email": "client@example.org", "password": "un mot de passe", "remember": "y"},
    )
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        assert cookie.http_only and cookie.secure and cookie.same_site == "Lax", name


def test_development_cookies_work_over_http(tmp_path, monkeypatch):
    monkeypatch.setenv("STORE_ENV", "development")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'd.db'}",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("secret", [None, "", "changeme", "short"])
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, monkeypatch, secret):
    monkeypatch.delenv("STORE_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "SECRET_KEY": secret}
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be set"):
        create_app(config)


@pytest.mark.parametrize("local_dotenv", [False, True], ids=["fresh-clone", "with-make-run-env"])
def test_the_entry_point_exits_non_zero_with_a_clear_message(tmp_path, local_dotenv):
    """A production start from a clone (no .env: it is not in git) refuses to run without a
    SECRET_KEY; so does one where `make run`'s development .env was left behind, when the
    server's environment says production."""
    clone = fresh_clone(tmp_path / "clone")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "STORE_ENV", "DATABASE_URL", "PUBLIC_URL")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'e.db'}"
    if local_dotenv:
        if shutil.which("make") is None:
            pytest.skip("make is not installed")
        subprocess.run(["make", ".env"], cwd=clone, check=True, capture_output=True)
        assert "STORE_ENV=development" in (clone / ".env").read_text()
        env["STORE_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "Configuration error: SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_healthz_reports_database_and_configuration_without_secrets(app, client, payments):
    app.config["HEALTHZ_TOKEN"] = HEALTHZ_TOKEN
    response = client.get("/healthz", headers={"Authorization": "Bearer " + HEALTHZ_TOKEN})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"]["status"] == "ok"
    assert body["config"]["stripe_configured"] is True
    assert body["config"]["stripe_test_mode"] is True
    text = response.get_data(as_text=True)
    for secret in (
        app.config["SECRET_KEY"],
        app.config["STRIPE_SECRET_KEY"],
        app.config["STRIPE_WEBHOOK_SECRET"],
        app.config["HEALTHZ_TOKEN"],
    ):
        assert secret not in text


def test_healthz_says_when_the_database_is_down(app, client, monkeypatch):
    from store.extensions import db

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", refuse)
    app.config["HEALTHZ_TOKEN"] = HEALTHZ_TOKEN
    response = client.get("/healthz", headers={"Authorization": "Bearer " + HEALTHZ_TOKEN})
    assert response.status_code == 503
    assert response.get_json()["database"]["status"] == "unreachable"


def test_a_database_refusing_a_write_gives_a_clear_page_and_nothing_half_written(
    db, app, forms, client, create_article, monkeypatch
):
    article = create_article()
    real_commit = db.session.commit
    calls = {"n": 0}

    def failing_commit():
        calls["n"] += 1
        db.session.flush()  # the comment row is written, then the database gives up
        raise OperationalError("COMMIT", {}, Exception("disk full"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    data = {"name": "Camille", "email": "c@example.org", "body": "Un commentaire."}
    response = forms.post(f"/articles/{article.slug}/comments", data)
    assert calls["n"] == 1
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert "Rien n’a été enregistré" in page
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0

    # The next request works normally.
    again = forms.post(f"/articles/{article.slug}/comments", data)
    assert again.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1


class Database:
    """The test's database server, which can go away in the middle of a request."""

    def __init__(self, engine):
        self.engine = engine

    @staticmethod
    def _refuse(*args, **kwargs):
        raise OperationalError("SELECT …", {}, ConnectionRefusedError("connection refused"))

    def dies(self) -> None:
        """Every statement fails from now on."""
        sa.event.listen(self.engine, "before_cursor_execute", self._refuse)

    def comes_back(self) -> None:
        if sa.event.contains(self.engine, "before_cursor_execute", self._refuse):
            sa.event.remove(self.engine, "before_cursor_execute", self._refuse)


@pytest.fixture
def database(app, db):
    server = Database(db.engine)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answered as in production
    yield server
    server.comes_back()


def test_a_dead_database_gets_the_503_page_and_the_cart_is_back_with_the_database(
    forms, client, create_product, database, caplog
):
    guide = create_product(name="Guide")
    forms.post("/cart/add", {"product_id": guide.id, "quantity": 2})
    database.dies()
    for url in ("/", "/shop", "/cart"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 503, url
        assert response.headers["Retry-After"] == "30"
        assert "La boutique est momentanément indisponible" in page, url
        assert "Votre panier est intact" in page
        assert "Traceback" not in page and "OperationalError" not in page
        assert badge(page) == 0  # the header cannot show the cart, and says nothing wrong
    assert "cart not shown, the database failed" in caplog.text
    database.comes_back()
    assert badge(client.get("/cart").get_data(as_text=True)) == 2


@pytest.mark.parametrize(
    "failure, status, title",
    [
        (OperationalError("COMMIT", {}, ConnectionResetError()), 503, "momentanément indisponible"),
        (RuntimeError("a bug"), 500, "Un problème est survenu de notre côté"),
    ],
)
def test_a_database_dying_after_the_cart_was_read_still_gets_the_error_page(
    app, forms, client, create_product, database, failure, status, title
):
    from store.cart.services import current_cart

    @app.get("/reads-the-cart-then-fails")
    def reads_the_cart_then_fails():
        assert current_cart().count == 2
        database.dies()
        raise failure

    forms.post("/cart/add", {"product_id": create_product(name="Guide").id, "quantity": 2})
    response = client.get("/reads-the-cart-then-fails")
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert title in page and "Votre panier est intact" in page
    assert "Traceback" not in page
    assert badge(page) == 0
    database.comes_back()
    assert badge(client.get("/cart").get_data(as_text=True)) == 2


def test_registration_is_rate_limited(app, forms):
    app.config["REGISTER_LIMIT"] = "2 per minute"
    statuses = [
        forms.post(
            "/account/register",
            {"email": f"u{n}@example.org", "password": "12345678", "confirm": "12345678"},
        ).status_code
        for n in range(3)
    ]
    assert statuses[-1] == 429


def test_limits_hold_in_an_app_built_after_one_without_them(tmp_path, monkeypatch):
    """The limiter is shared: an app made without limits (as some tests make) must not switch
    them off for the next one."""
    monkeypatch.delenv("STORE_ENV", raising=False)

    def build(**settings):
        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret-key",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'store.db'}",
                "PUBLIC_URL": "http://localhost",
                **settings,
            }
        )

    build(RATELIMIT_ENABLED=False)
    app = build(REGISTER_LIMIT="2 per minute")
    with app.app_context():
        db.create_all()
    forms = Forms(app.test_client())
    statuses = [
        forms.post(
            "/account/register",
            {"email": f"u{n}@example.org", "password": "12345678", "confirm": "12345678"},
        ).status_code
        for n in range(3)
    ]
    assert statuses[-1] == 429
    with app.app_context():
        db.engine.dispose()


def test_comments_are_rate_limited(app, forms, create_article):
    app.config["COMMENT_LIMIT"] = "2 per minute"
    article = create_article()
    data = {"name": "Bot", "email": "b@example.org", "body": "Spam ?"}
    statuses = [
        forms.post(f"/articles/{article.slug}/comments", data).status_code for _ in range(3)
    ]
    assert statuses == [303, 303, 429]


def test_checkout_creation_is_rate_limited(app, forms, customer, payments, create_product):
    app.config["CHECKOUT_LIMIT"] = "2 per minute"
    offer = create_product(billing=Billing.MONTHLY)
    forms.post("/cart/add", {"product_id": offer.id})
    statuses = [forms.post("/checkout", CHECKOUT_CONSENT).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]


def test_every_log_line_of_a_request_carries_its_request_id(
    app, client, customer, forms, payments, create_product
):
    from store.ops.logging import JsonFormatter, RequestContextFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s %(order)s")
    )
    handler.addFilter(RequestContextFilter())
    logging.getLogger().addHandler(handler)
    try:
        offer = create_product(billing=Billing.MONTHLY)
        forms.post("/cart/add", {"product_id": offer.id})
        stream.seek(0)
        stream.truncate()
        response = forms.post(
            "/checkout", CHECKOUT_CONSENT, headers={"X-Request-ID": "req-checkout-0001"}
        )
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line]
    assert response.headers["X-Request-ID"] == "req-checkout-0001"
    assert lines and all(line["request_id"] == "req-checkout-0001" for line in lines)
    ordered = [line for line in lines if line["name"].startswith("store.")]
    assert any(line["order"].startswith("GA-") for line in ordered), ordered


def test_static_files_are_cache_busted_cached_and_compressed(client, seeded):
    page = client.get("/").get_data(as_text=True)
    css = page.split('rel="stylesheet" href="')[1].split('"')[0]
    assert css.startswith("/static/css/site.css?v=")
    response = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000"
    assert response.headers["Content-Encoding"] == "gzip"
    html = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert html.headers["Content-Encoding"] in ("br", "gzip")


def test_favicon_ico_leads_to_the_site_icon(client):
    """Browsers and crawlers ask for /favicon.ico on their own, whatever the page links to."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = response.headers["Location"]
    assert icon.startswith("/static/img/favicon.svg?v=")
    # the redirect is kept a day (a new icon gets a new versioned URL), the icon a year
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert "Set-Cookie" not in response.headers
    page_policy = client.get("/").headers["Content-Security-Policy"]
    assert response.headers["Content-Security-Policy"] == page_policy
    served = client.get(icon)
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert served.headers["Cache-Control"] == "public, max-age=31536000"
    assert served.data == (ROOT / "static" / "img" / "favicon.svg").read_bytes()


def redis_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_rate_limits_can_live_in_redis(tmp_path, monkeypatch):
    """With RATELIMIT_STORAGE_URI=redis://…, the counters are in Redis, where every worker and
    host sees them (in memory, each worker would count on its own)."""
    import uuid

    import redis

    monkeypatch.delenv("STORE_ENV", raising=False)
    prefix = f"store-test-{uuid.uuid4().hex}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.db'}",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "RATELIMIT_KEY_PREFIX": prefix,
            "LOGIN_LIMIT_PER_IP": "3 per minute",
            "WTF_CSRF_ENABLED": False,
            "PAGE_CACHE_SECONDS": 0,
        }
    )
    from store.extensions import db

    with app.app_context():
        db.create_all()
    client = app.test_client()
    attempt = {"email": "x@example.org", "password": "nope"}
    statuses = [client.post("/account/login", data=attempt).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    server = redis.Redis(host="127.0.0.1", port=6379)
    keys = server.keys(f"*{prefix}*")
    assert keys, "no rate-limit counter in Redis"
    server.delete(*keys)
