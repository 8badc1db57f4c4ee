"""Configuration read from the environment (and a `.env` file when present).

Nothing secret lives in code: the development `SECRET_KEY` is generated once into the
instance folder, and every other secret comes from the environment.
"""

import os
import secrets
from pathlib import Path


def normalise_database_url(url: str) -> str:
    """Point plain `postgres://` / `postgresql://` URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance_path: str) -> str:
    """Return the secret kept in `instance/secret_key`, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance_path: str, *, generate_secret: bool = True) -> dict:
    """Build the configuration mapping from environment variables.

    Without `SECRET_KEY` in the environment, a random key is generated into the instance
    folder (kept across restarts) when `generate_secret` is true.
    """
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key and generate_secret:
        secret_key = instance_secret_key(instance_path)
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(instance_path, "store.db")
    )
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SITE_NAME": os.environ.get("SITE_NAME", "GPT Actu"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "CART_MAX_QUANTITY": int(os.environ.get("CART_MAX_QUANTITY", "10")),
        "ARTICLES_PER_PAGE": 10,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "20 per minute"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Stripe (test mode). Without a secret key the store runs but takes no payment.
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_ALLOW_LIVE_KEYS": os.environ.get("STRIPE_ALLOW_LIVE_KEYS") == "1",
        "STRIPE_TIMEOUT_SECONDS": float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "10")),
        "STRIPE_MAX_NETWORK_RETRIES": int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2")),
    }
