"""Configuration read from the environment (and a `.env` file when present).

Nothing secret lives in code: the development `SECRET_KEY` is generated once into the
instance folder, and every other secret comes from the environment.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit


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


#: SECRET_KEY values that are placeholders, not secrets
PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "dev", "development", "test", "xxx"}
MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _http_url(name: str) -> str:
    """An http(s) address from the environment; "" for anything else (unset, `javascript:`…)."""
    value = os.environ.get(name, "").strip()
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. "http://[::1"
        return ""
    return value if parts.scheme in ("http", "https") and parts.hostname else ""


def from_environment(instance_path: str, *, generate_secret: bool = True) -> dict:
    """Build the configuration mapping from environment variables.

    `STORE_ENV=development` (what `make run` sets, and writes into `.env`) generates a
    `SECRET_KEY` into the instance folder when none is given and allows cookies over plain
    http; any other environment is production, where a real `SECRET_KEY` is required and
    cookies are `Secure`.
    """
    development = os.environ.get("STORE_ENV", "production") == "development"
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key and development and generate_secret:
        secret_key = instance_secret_key(instance_path)
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(instance_path, "store.db")
    )
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # A server database may drop idle connections (a restart, a timeout): test each one
        # as it leaves the pool. A SQLite file has no connection to lose, and the test would
        # be one more statement on every request.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": not database_url.startswith("sqlite")},
        "SITE_NAME": os.environ.get("SITE_NAME", "GPT Actu"),
        #: the store's pages on social networks, linked in the footer (empty: no link)
        "SOCIAL_FACEBOOK_URL": _http_url("SOCIAL_FACEBOOK_URL"),
        "SOCIAL_X_URL": _http_url("SOCIAL_X_URL"),
        "SOCIAL_LINKEDIN_URL": _http_url("SOCIAL_LINKEDIN_URL"),
        "SOCIAL_YOUTUBE_URL": _http_url("SOCIAL_YOUTUBE_URL"),
        #: the address visitors use, e.g. https://gpt-actu.example: every absolute URL the
        #: store builds starts with it (required in production; `make run` uses its own)
        "PUBLIC_URL": os.environ.get("PUBLIC_URL")
        or (f"http://127.0.0.1:{os.environ.get('PORT', '5000')}" if development else None),
        "STORE_ENV": "development" if development else "production",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", not development),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "CART_MAX_QUANTITY": int(os.environ.get("CART_MAX_QUANTITY", "10")),
        "ARTICLES_PER_PAGE": 10,
        #: how long an anonymous visitor's public page may be served from the cache (0: off)
        "PAGE_CACHE_SECONDS": float(os.environ.get("PAGE_CACHE_SECONDS", "10")),
        #: how long a shared cache (nginx, a CDN) may serve a public page to anonymous visitors
        #: (`s-maxage`; 0: public pages say nothing), and how much longer a stale copy while it
        #: fetches a fresh one (`stale-while-revalidate`); store/ops/http_cache.py
        "PUBLIC_CACHE_SECONDS": int(os.environ.get("PUBLIC_CACHE_SECONDS", "60")),
        "PUBLIC_CACHE_STALE_SECONDS": int(os.environ.get("PUBLIC_CACHE_STALE_SECONDS", "30")),
        #: SMTP server of outgoing mail; unset: each message is written as an .eml file
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", True),  # STARTTLS after connecting
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL", False),  # TLS from the start (port 465)
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "GPT Actu <no-reply@localhost>"),
        #: the right-hand part of Message-IDs
        "MAIL_DOMAIN": os.environ.get("MAIL_DOMAIN", "localhost"),
        "MAIL_TIMEOUT_SECONDS": float(os.environ.get("MAIL_TIMEOUT_SECONDS", "10")),
        "MAIL_OUTBOX_FOLDER": os.environ.get("MAIL_OUTBOX_FOLDER")
        or os.path.join(instance_path, "outbox"),
        "MAIL_POLL_SECONDS": float(os.environ.get("MAIL_POLL_SECONDS", "2")),
        #: send from a thread of the web process (make run); production runs `store send-mail`
        "MAIL_WORKER_IN_PROCESS": _flag("MAIL_WORKER_IN_PROCESS", development),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        # Flask-Limiter keeps the last app's setting when a new app leaves this unset: every
        # app states it (an app built without limits, for tests, would disable the next one's).
        "RATELIMIT_ENABLED": True,
        # A fixed window lets 2× the limit through across a window's edge (5 guesses at
        # 12:00:59, 5 more at 12:01:00); a moving window counts the last minute, always.
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "20 per minute"),
        #: failed logins per account from one address, and from all addresses together (the
        #: owner's own browser, known by a signed cookie, is exempt from the second)
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get(
            "LOGIN_LIMIT_PER_ACCOUNT", "5 per minute;30 per hour"
        ),
        "LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES": os.environ.get(
            "LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES", "20 per minute;100 per hour"
        ),
        "REGISTER_LIMIT": os.environ.get("REGISTER_LIMIT", "5 per minute;50 per day"),
        "EMAIL_CONFIRM_RESEND_LIMIT": os.environ.get(
            "EMAIL_CONFIRM_RESEND_LIMIT", "3 per hour;10 per day"
        ),
        #: "forgot password" requests from one client address, and for one email address
        "PASSWORD_RESET_LIMIT": os.environ.get("PASSWORD_RESET_LIMIT", "5 per minute;30 per day"),
        "PASSWORD_RESET_LIMIT_PER_EMAIL": os.environ.get(
            "PASSWORD_RESET_LIMIT_PER_EMAIL", "3 per hour;10 per day"
        ),
        "COMMENT_LIMIT": os.environ.get("COMMENT_LIMIT", "5 per minute;50 per day"),
        "CHECKOUT_LIMIT": os.environ.get("CHECKOUT_LIMIT", "10 per minute"),
        #: searches per client address that reach the database (a page cache hit is free)
        "SEARCH_LIMIT": os.environ.get("SEARCH_LIMIT", "30 per minute;600 per hour"),
        #: host names the store answers to (comma-separated); others get a 400
        "TRUSTED_HOSTS": [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",") if h.strip()]
        if os.environ.get("TRUSTED_HOSTS")
        else None,
        #: how many proxies (load balancer, nginx) stand in front: trust that many X-Forwarded-*
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        #: sent as `Authorization: Bearer …`, shows /healthz's details (unset: admins only)
        "HEALTHZ_TOKEN": os.environ.get("HEALTHZ_TOKEN") or None,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", not development),
        # Static files have content-hashed URLs (?v=…), so browsers may keep them a year.
        "SEND_FILE_MAX_AGE_DEFAULT": 31_536_000,
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "text/xml",
            "application/json",
            "application/javascript",
            "image/svg+xml",
            "application/rss+xml",
        ],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_MIN_SIZE": 500,
        # Fast levels: a page compresses in ~0.07 ms instead of ~0.25 ms, ~10 % larger.
        "COMPRESS_BR_LEVEL": 1,
        "COMPRESS_LEVEL": 1,
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if not development else "text"),
        # Stripe (test mode). Without a secret key the store runs but takes no payment.
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_ALLOW_LIVE_KEYS": os.environ.get("STRIPE_ALLOW_LIVE_KEYS") == "1",
        "STRIPE_TIMEOUT_SECONDS": float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "10")),
        "STRIPE_MAX_NETWORK_RETRIES": int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2")),
        #: Stripe Checkout asks to accept the terms; needs the terms URL in Stripe's dashboard
        "STRIPE_TERMS_ACCEPTANCE": _flag("STRIPE_TERMS_ACCEPTANCE", False),
        # Files sold as downloads: kept outside static/, never served by their own URL.
        "DOWNLOADS_FOLDER": os.environ.get("DOWNLOADS_FOLDER")
        or os.path.join(instance_path, "downloads"),
        #: hours a download link from /account works, and downloads allowed per order
        "DOWNLOAD_LINK_HOURS": float(os.environ.get("DOWNLOAD_LINK_HOURS", "24")),
        "DOWNLOAD_LIMIT": int(os.environ.get("DOWNLOAD_LIMIT", "5")),
        #: the largest file the admin may upload (bytes)
        "DOWNLOAD_MAX_BYTES": int(os.environ.get("DOWNLOAD_MAX_BYTES", str(50 * 1024 * 1024))),
        #: the largest request body (413 past it), and of the form text it may hold: a long
        #: article fits; the product form's file upload may reach DOWNLOAD_MAX_BYTES
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024))),
        "MAX_FORM_MEMORY_SIZE": int(os.environ.get("MAX_FORM_MEMORY_SIZE", str(2 * 1024 * 1024))),
        "MAX_FORM_PARTS": 200,
        #: "" (Flask sends the file), "x-accel-redirect" (nginx) or "x-sendfile" (Apache…)
        "DOWNLOADS_OFFLOAD": os.environ.get("DOWNLOADS_OFFLOAD", ""),
        #: with x-accel-redirect: the `internal` nginx location that maps to DOWNLOADS_FOLDER
        "DOWNLOADS_ACCEL_PREFIX": os.environ.get("DOWNLOADS_ACCEL_PREFIX", "/protected-downloads/"),
        #: calls of the access API (GET /api/v1/access) allowed per key and per client address
        "ACCESS_API_LIMIT_PER_KEY": os.environ.get("ACCESS_API_LIMIT_PER_KEY", "60 per minute"),
        "ACCESS_API_LIMIT_PER_IP": os.environ.get("ACCESS_API_LIMIT_PER_IP", "300 per minute"),
    }


def check_rate_limit_storage(workers: int, storage_uri: str) -> None:
    """Several worker processes must share their rate-limit counters: in memory each worker
    counts on its own, and every limit is multiplied by the number of workers."""
    if workers > 1 and storage_uri.startswith("memory://"):
        raise SystemExit(
            f"{workers} workers with RATELIMIT_STORAGE_URI={storage_uri}: each worker would "
            "count rate limits on its own (login guesses × workers). Set "
            "RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 (shared by every worker), or run "
            "one worker (WEB_CONCURRENCY=1)."
        )


def check_production_ready(config: dict) -> None:
    """Refuse to run in production with a missing or placeholder SECRET_KEY, or without
    PUBLIC_URL."""
    if config.get("TESTING") or config.get("DEBUG") or config.get("STORE_ENV") == "development":
        return
    secret = config.get("SECRET_KEY") or ""
    if len(secret) < MIN_SECRET_LENGTH or secret.lower() in PLACEHOLDER_SECRETS:
        raise ConfigurationError(
            "SECRET_KEY must be set to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters in production, e.g. "
            '`export SECRET_KEY=$(python3 -c "import secrets; print(secrets.token_hex(32))")`. '
            "For a local run use `make run`, which writes STORE_ENV=development into .env."
        )
    public_url = urlsplit(config.get("PUBLIC_URL") or "")
    if public_url.scheme not in ("http", "https") or not public_url.hostname or public_url.query:
        raise ConfigurationError(
            "PUBLIC_URL must be set in production to the address visitors use, e.g. "
            "`export PUBLIC_URL=https://gpt-actu.example`: Stripe's return pages, canonical "
            "links, the feed and the sitemap are built from it, never from the Host header."
        )
