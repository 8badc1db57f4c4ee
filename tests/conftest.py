"""Shared fixtures: an app on a throw-away database, clients, factories, users and logins.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set; under
pytest-xdist (`make test` runs it with `-n`), each worker on a PostgreSQL database of its own.
"""

import contextlib
import contextvars
import os
import re
import secrets
import threading
from dataclasses import dataclass

import jinja2
import jinja2.bccache
import psycopg
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from psycopg import sql
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from store import create_app
from store.accounts import models as account_models
from store.accounts import services as account_services
from store.accounts.models import User
from store.articles.models import Article, Category, Comment, CommentStatus
from store.catalog.models import Billing, Product
from store.config import normalise_database_url
from store.database import utcnow
from store.extensions import db as _db

pytest_plugins = ["tests.stripe_double", "tests.mail_server"]

WEBHOOK_SECRET = "whsec_test_secret"

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

#: the password of every account `make_user` creates
PASSWORD = "mot de passe sûr"


def postgresql_url() -> str | None:
    """The PostgreSQL database of this test process, from TEST_DATABASE_URL; None on SQLite.

    Under pytest-xdist each worker has a database of its own, named after the one given and
    the worker (`test` → `test_gw0`, `test_gw1`…), created at session start: workers that
    shared one would drop each other's tables. Run serially, the suite uses the database given.
    Every test that needs the suite's database (or to know it is PostgreSQL) asks here.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    url = normalise_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    given = make_url(url)
    return given.set(database=f"{given.database}_{worker}").render_as_string(hide_password=False)


@dataclass
class WorkerDatabase:
    """The database every test of one process (one xdist worker) uses: its schema is built
    once, by the first test's app, and emptied after each test (`empty_tables`), instead of
    being dropped and built again around every test. A test that wipes the schema itself
    (a migration test) sets `built` back to False."""

    url: str
    built: bool = False


def empty_tables(db) -> None:
    """Every row of every table gone, ids starting again at 1, as a new schema would be:
    PostgreSQL truncates them all at once; SQLite deletes children before parents, then
    empties the search index and the AUTOINCREMENT counters."""
    tables = db.metadata.sorted_tables
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(connection.dialect.identifier_preparer.quote(t.name) for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(tables):
            connection.execute(table.delete())
        connection.execute(sa.text("INSERT INTO article_fts(article_fts) VALUES ('delete-all')"))
        if connection.execute(
            sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
        ).first():
            connection.execute(sa.text("DELETE FROM sqlite_sequence"))


def empty_schema(engine) -> None:
    """PostgreSQL: the worker's database without any table (the `app` fixture builds its own
    again); SQLite: a new file needs nothing."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def worker_database(tmp_path_factory) -> WorkerDatabase:
    basetemp = tmp_path_factory.getbasetemp()
    return WorkerDatabase(postgresql_url() or f"sqlite:///{basetemp / 'store.db'}")


def pytest_sessionstart(session):
    """Create this xdist worker's PostgreSQL database if it is missing. It is never dropped:
    the next run reuses it, and the first test of the run builds the tables again."""
    url = postgresql_url()
    if url is None or not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    name = make_url(url).database
    given = make_url(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    # connected to the database given; psycopg takes its URL without SQLAlchemy's "+psycopg"
    conninfo = given.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        if connection.execute(query, (name,)).fetchone():
            return
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # created meanwhile
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class TemplateCache(jinja2.BytecodeCache):
    """Compiled templates kept for the whole test process: every test builds its own app, and
    each app's Jinja would parse and compile every template it renders again (about 60 ms a
    test). Keyed by template and source checksum, so an edited template is compiled anew."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = TemplateCache()


@pytest.fixture
def app_config():
    """Extra configuration for the app; a folder's conftest may override this fixture."""
    return {}


class IsolatedClient(FlaskClient):
    """A test client whose every request gets a fresh app context, as in production.

    The `db` fixture keeps an app context open for the whole test; Flask would reuse it for
    requests, so `g` (the loaded cart, the chosen language, Flask-Login's user) and the
    database session would carry over from one request, or one browser, to the next.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(tmp_path, app_config, monkeypatch, worker_database):
    # Production defaults (Secure cookies…) whatever the shell exports; tests that need
    # development set STORE_ENV themselves.
    monkeypatch.delenv("STORE_ENV", raising=False)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": worker_database.url,
            "SITE_NAME": "GPT Actu",
            "PUBLIC_URL": "http://localhost",
            "PAGE_CACHE_SECONDS": 0,  # tests read fresh pages; tests/ops covers the cache
            # tests search hundreds of times from one address; tests/search covers the limit
            "SEARCH_LIMIT": "10000 per minute",
            "DOWNLOADS_FOLDER": str(tmp_path / "downloads"),
            # no SMTP server: messages sent without `smtp_server` land here, not in instance/
            "MAIL_OUTBOX_FOLDER": str(tmp_path / "outbox"),
            # only tests/mail/test_worker.py starts the sending thread, and stops it
            "MAIL_WORKER_IN_PROCESS": False,
            **app_config,
        }
    )
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    with app.app_context():
        if not worker_database.built:
            _db.drop_all()
            _db.create_all()
            worker_database.built = True
    yield app
    with app.app_context():
        _db.session.remove()
        empty_tables(_db)
        _db.engine.dispose()


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


#: the two checkout boxes ticked, as a customer must before paying (see store/checkout/forms.py)
CHECKOUT_CONSENT = {"immediate_access": "y", "accept_terms": "y"}


class Forms:
    """Posts forms the way a browser does: with the CSRF token of the visitor's session."""

    def __init__(self, client):
        self.client = client

    def token(self) -> str:
        """The token a page rendered for this visitor would carry (Flask-WTF's own scheme)."""
        with self.client.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        app = self.client.application
        return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post(self, url, data=None, **kwargs):
        data = {"csrf_token": self.token(), **(data or {})}
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def forms(client):
    return Forms(client)


@pytest.fixture
def create_product(db):
    counter = iter(range(1, 10_000))

    def factory(**overrides) -> Product:
        number = next(counter)
        fields = {
            "slug": f"product-{number}",
            "name": f"Produit {number}",
            "short_description": "Une offre de test.",
            "price_cents": 700,
            "currency": "EUR",
            "billing": Billing.ONE_TIME,
            "position": number,
            **overrides,
        }
        # As the back office does by default: a subscription opens subscriber-only articles.
        fields.setdefault("grants_articles", fields["billing"] is not Billing.ONE_TIME)
        product = Product(**fields)
        db.session.add(product)
        db.session.commit()
        return product

    return factory


@pytest.fixture
def guide(create_product):
    """A one-time purchase (a folder's or module's own `guide` replaces it where it differs)."""
    return create_product(name="Guide PDF", price_cents=1900, billing=Billing.ONE_TIME)


@pytest.fixture
def offer(create_product):
    """The monthly subscription of the reference page (replaced the same way where needed)."""
    return create_product(
        name="Accès à GPT 4", slug="acces-gpt-4", price_cents=700, billing=Billing.MONTHLY
    )


@pytest.fixture
def create_article(db):
    counter = iter(range(1, 10_000))

    def factory(**overrides) -> Article:
        number = next(counter)
        fields = {
            "slug": f"article-{number}",
            "title": f"Article numéro {number}",
            "excerpt": "Un résumé.",
            "body": "Un paragraphe.\n\n## Un intertitre\n\nUn autre paragraphe.",
            "published_at": utcnow(),
            **overrides,
        }
        if "category" not in fields:
            category = _db.session.scalar(_db.select(Category).filter_by(slug="actualites"))
            fields["category"] = category or Category(slug="actualites", name="Actualités")
        article = Article(**fields)
        db.session.add(article)
        db.session.commit()
        return article

    return factory


@pytest.fixture
def create_comment(db):
    def factory(article, **overrides) -> Comment:
        fields = {
            "author_name": "Camille",
            "author_email": "camille@example.org",
            "body": "Très bon article.",
            "status": CommentStatus.APPROVED,
            **overrides,
        }
        comment = Comment(article=article, **fields)
        db.session.add(comment)
        db.session.commit()
        return comment

    return factory


@pytest.fixture
def seeded(db):
    """The demo content, as `flask store seed` loads it."""
    from store.seed import load_demo_content

    load_demo_content()
    db.session.commit()
    return db


@pytest.fixture
def payments(app, stripe_double):
    """Point the store at the Stripe test double, with a webhook secret."""
    from store.payments import gateway

    app.config.update(
        STRIPE_SECRET_KEY="sk_test_store",
        STRIPE_API_BASE=stripe_double.base_url,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_MAX_NETWORK_RETRIES=0,
        STRIPE_TIMEOUT_SECONDS=1,
    )
    gateway.init_app(app)
    stripe_double.webhook_secret = WEBHOOK_SECRET
    return stripe_double


@pytest.fixture
def send_events(client, stripe_double):
    """Post events to the store's webhook, signed as Stripe signs them."""

    def send(events, secret=WEBHOOK_SECRET):
        responses = []
        for event in events:
            payload = stripe_double.event_payload(event)
            responses.append(
                client.post(
                    "/stripe/webhook",
                    data=payload,
                    headers={
                        "Stripe-Signature": stripe_double.sign(payload, secret),
                        "Content-Type": "application/json",
                    },
                )
            )
        return responses

    return send


@pytest.fixture(autouse=True)
def no_mail_worker_left_running():
    """A test that starts the in-process mail worker stops it: a thread left sending would
    write into the next test's database."""
    yield
    from store.mail.sender import WORKER_THREAD

    running = [thread for thread in threading.enumerate() if thread.name == WORKER_THREAD]
    assert not running, "the mail worker thread is still running"


def _cheap_hash(password, method=None, salt_length=16):
    return generate_password_hash(password, "pbkdf2:sha256:1", salt_length)


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """Hash passwords with one PBKDF2 round: the suite logs in hundreds of times and does not
    test hashing (tests/accounts does, and turns this off). The login code is unchanged."""
    for module in (account_models, account_services):
        if hasattr(module, "generate_password_hash"):
            monkeypatch.setattr(module, "generate_password_hash", _cheap_hash)
    # the hash unknown emails are checked against is made again, cheaply, then restored
    monkeypatch.setattr(account_services, "_DUMMY_HASH", None, raising=False)


@pytest.fixture
def make_user(db):
    """Create an account (a customer unless `admin`) whose password is PASSWORD; returns it."""

    def make(
        email: str = "client@example.org", *, admin: bool = False, password: str = PASSWORD
    ) -> User:
        user = account_services.register_user(email, password, is_admin=admin)
        db.session.commit()
        return user

    return make


def visitor(app) -> Forms:
    """A new browser: its own cookies, posting forms with its own CSRF token."""
    return Forms(app.test_client())


def login(browser: Forms, user: User, password: str = PASSWORD) -> Forms:
    """Log `browser` in as `user` through the login form; returns the browser."""
    response = browser.post("/account/login", {"email": user.email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return browser


def logged_in(app, user: User) -> Forms:
    """A new browser logged in as `user`."""
    return login(visitor(app), user)


@pytest.fixture
def login_as(make_user, forms):
    """Create a user (an admin unless told otherwise) and log the test's `client` in as them;
    returns the user."""

    def log_in(email="admin@example.org", *, admin=True, password=PASSWORD) -> User:
        user = make_user(email, admin=admin, password=password)
        login(forms, user, password)
        return user

    return log_in


@pytest.fixture
def admin(login_as, forms) -> Forms:
    """The test's `client` logged in as an admin; returns its `forms`."""
    login_as()
    return forms


@pytest.fixture
def customer(forms):
    """A customer registered (and so logged in) through the form on the test's `client`;
    returns their email."""
    email = "client@example.org"
    response = forms.post(
        "/account/register", {"email": email, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 303
    return email
