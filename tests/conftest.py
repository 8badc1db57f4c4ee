"""Shared fixtures: an app on a throw-away database, a client, and factories.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""

import os
import re
import secrets

import pytest
from itsdangerous import URLSafeTimedSerializer

from store import create_app
from store.articles.models import Article, Category, Comment, CommentStatus
from store.catalog.models import Billing, Product
from store.config import normalise_database_url
from store.database import utcnow
from store.extensions import db as _db

pytest_plugins = ["tests.stripe_double"]

WEBHOOK_SECRET = "whsec_test_secret"

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def database_url(tmp_path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def app_config():
    """Extra configuration for the app; a folder's conftest may override this fixture."""
    return {}


@pytest.fixture
def app(tmp_path, app_config, monkeypatch):
    # Production defaults (Secure cookies…) whatever the shell exports; tests that need
    # development set STORE_ENV themselves.
    monkeypatch.delenv("STORE_ENV", raising=False)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "SITE_NAME": "GPT Actu",
            "PUBLIC_URL": "http://localhost",
            "PAGE_CACHE_SECONDS": 0,  # tests read fresh pages; tests/ops covers the cache
            "DOWNLOADS_FOLDER": str(tmp_path / "downloads"),
            **app_config,
        }
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
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


@pytest.fixture
def customer(forms):
    """A registered, logged-in customer; returns their email."""
    email = "client@example.org"
    response = forms.post(
        "/account/register",
        {"email": email, "password": "mot de passe sûr", "confirm": "mot de passe sûr"},
    )
    assert response.status_code == 303
    return email


@pytest.fixture
def login_as(db, forms):
    """Create a user (admin or not) and log them in; returns the user."""
    from store.accounts.services import register_user

    def log_in(email="admin@example.org", *, admin=True, password="admin password"):
        user = register_user(email, password, is_admin=admin)
        db.session.commit()
        response = forms.post("/account/login", {"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)
        return user

    return log_in


@pytest.fixture
def admin(login_as):
    return login_as()
