"""The store: a French tech-news site with a subscription micro-store."""

import os
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, has_request_context, redirect, request, session, url_for

from store import config
from store.i18n import (
    LANGUAGES,
    ROOT_KEY,
    LanguagePrefix,
    current_language,
    is_language_free,
    localize_path,
)
from store.text import StoreRequest


class Store(Flask):
    """Flask, with the two things every request and every link of the store rely on."""

    #: form text arrives with LF line endings only (store/text.py says why)
    request_class = StoreRequest

    #: URLs built so far, by everything they depend on (see `url_for`); emptied when full
    _built_urls: dict
    BUILT_URLS_KEPT = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built_urls = {}

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        _locale: str | None = None,
        **values: Any,
    ) -> str:
        """A link in the language being rendered (`/en/…` for English; `_locale` picks
        another), except to language-free endpoints (static files, webhook, API, sitemap).
        An absolute URL (Stripe's return pages, canonical links, feed, sitemap) starts with
        PUBLIC_URL, never with the Host header a client sent.

        A page builds twenty to thirty links, most of them the same on every page, and
        building one through the URL map costs ten times a dictionary lookup. A URL depends
        only on the endpoint, the values, the language and where the request arrived (its
        script root; host and scheme for an absolute one), so each is built once per
        process for those and then looked up."""
        locale = LANGUAGES[0] if is_language_free(endpoint) else _locale or current_language()
        key = self._url_key(endpoint, locale, _anchor, _method, _scheme, _external, values)
        if key is not None:
            url = self._built_urls.get(key)
            if url is None:
                url = self._build_url(
                    endpoint, locale, _anchor, _method, _scheme, _external, values
                )
                if len(self._built_urls) >= self.BUILT_URLS_KEPT:
                    self._built_urls.clear()
                self._built_urls[key] = url
            return url
        return self._build_url(endpoint, locale, _anchor, _method, _scheme, _external, values)

    def _url_key(self, endpoint, locale, anchor, method, scheme, external, values) -> tuple | None:
        """What a URL built in this request depends on, or None when it cannot be kept: no
        request (Flask then builds from SERVER_NAME), an endpoint relative to the request's
        blueprint, or a value that is not hashable."""
        if not has_request_context() or endpoint.startswith("."):
            return None
        environ = request.environ
        where: tuple = (environ.get("SCRIPT_NAME"), environ.get(ROOT_KEY))
        if external or scheme:
            where += (
                environ.get("wsgi.url_scheme"),
                environ.get("HTTP_HOST"),
                environ.get("SERVER_NAME"),
                environ.get("SERVER_PORT"),
            )
        key = (endpoint, locale, anchor, method, scheme, external, where, *sorted(values.items()))
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def _build_url(self, endpoint, locale, _anchor, _method, _scheme, _external, values) -> str:
        public_url = self.config.get("PUBLIC_URL")
        if _external and public_url and not _scheme:
            path = super().url_for(
                endpoint, _anchor=_anchor, _method=_method, _external=False, **values
            )
            return public_url.rstrip("/") + localize_path(path, locale)
        url = super().url_for(
            endpoint,
            _anchor=_anchor,
            _method=_method,
            _scheme=_scheme,
            _external=_external,
            **values,
        )
        if url.startswith("/"):
            return localize_path(url, locale)
        parts = urlsplit(url)
        path = localize_path(parts.path, locale)
        return url if path == parts.path else urlunsplit(parts._replace(path=path))

    def process_response(self, response: Response) -> Response:
        """After every after-request step and the session cookie: who may keep the response
        (store/ops/http_cache.py), so that no cookie set late can end up in a shared cache."""
        from store.ops.http_cache import apply_cache_policy

        return apply_cache_policy(super().process_response(response))


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application."""
    app = Store(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    if test_config is None:
        from dotenv import load_dotenv

        load_dotenv()
        app.config.from_mapping(config.from_environment(app.instance_path))
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(config.from_environment(app.instance_path, generate_secret=False))
        app.config.update(test_config)
    config.check_production_ready(app.config)

    register_logging(app)
    register_security(app)
    # after register_security: an admin's upload may be larger than other bodies, and a
    # logged-in visitor's token is read from the body
    register_cross_origin_protection(app)
    register_extensions(app)
    register_blueprints(app)
    register_favicon(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_page_cache(app)
    register_proxies(app)  # outermost: the page cache keys on the trusted scheme and host
    register_mail_worker(app)
    return app


def register_logging(app: Flask) -> None:
    """Structured logs, each line with the request id (and order number where there is one)."""
    from store.ops.logging import configure_logging, register_request_id

    configure_logging(app)
    register_request_id(app)


def register_cross_origin_protection(app: Flask) -> None:
    """Refuse unsafe requests another site made (403); tokens only where a login exists."""
    from store.ops.cross_origin import register_cross_origin_protection as register

    register(app)


def register_security(app: Flask) -> None:
    """Security headers, request limits, caching rule, compression (store/security.py)."""
    from store.security import register_security as register

    register(app)


def register_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    from store.extensions import babel, csrf, db, limiter, login_manager, migrate
    from store.i18n.views import select_locale
    from store.payments import gateway
    from store.urls import valid_id

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # The language is in the URL: `/en/…` is English (store/i18n says how).
    app.wsgi_app = LanguagePrefix(app.wsgi_app)  # type: ignore[method-assign]
    gateway.init_app(app)

    # Import the models so that Alembic and `create_all` see every table.
    from store.access import models as _access  # noqa: F401
    from store.accounts.models import User
    from store.articles import models as _articles  # noqa: F401
    from store.catalog import models as _catalog  # noqa: F401
    from store.downloads import models as _downloads  # noqa: F401
    from store.legal import models as _legal  # noqa: F401
    from store.mail import models as _mail  # noqa: F401
    from store.orders import models as _orders  # noqa: F401
    from store.payments import models as _payments  # noqa: F401
    from store.settings import models as _settings  # noqa: F401
    from store.subscriptions import models as _subscriptions  # noqa: F401

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page says what to do

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # "<id>:<session token>": a session or cookie from before the user's last logout,
        # password or email change or "log out everywhere" carries an old token and opens
        # nothing; nor does a deleted account's, whichever account has its id.
        number, _, token = user_id.partition(":")
        user_number = valid_id(number)
        if user_number is None or not token.isascii():
            return None
        user = db.session.get(User, user_number)
        return user if user is not None and user.opens_with(token) else None

    @app.after_request
    def end_empty_session(response):
        # Flask-Login marks every session without a login `_fresh: False`; once an anonymous
        # visitor's cart and messages are gone, that mark alone would keep their cookie alive
        # (and their pages out of any HTTP cache). Flask deletes the cookie of an emptied session.
        if request.endpoint != "static" and set(session) == {"_fresh"}:
            session.clear()
        return response


def register_blueprints(app: Flask) -> None:
    """Attach each feature's blueprint."""
    from werkzeug.routing import IntegerConverter

    from store.urls import MAX_ID

    class IdConverter(IntegerConverter):
        """`<id:…>`: a row id, 1 to 2**31-1; anything else is a 404 before any query."""

        def __init__(self, url_map, *args, **kwargs):
            super().__init__(url_map, min=1, max=MAX_ID)

    app.url_map.converters["id"] = IdConverter
    from store.accounts.views import bp as accounts_bp
    from store.admin.views import bp as admin_bp
    from store.api.views import bp as api_bp
    from store.articles.views import bp as articles_bp
    from store.cart.views import bp as cart_bp
    from store.catalog.views import bp as catalog_bp
    from store.checkout.views import bp as checkout_bp
    from store.downloads.views import bp as downloads_bp
    from store.i18n.views import bp as i18n_bp
    from store.legal.views import bp as legal_bp
    from store.ops.views import bp as ops_bp
    from store.payments.views import bp as payments_bp
    from store.search.views import bp as search_bp
    from store.seo.views import bp as seo_bp

    app.register_blueprint(articles_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(cart_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(i18n_bp)
    app.register_blueprint(seo_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(downloads_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(legal_bp)


def register_proxies(app: Flask) -> None:
    """The trusted proxies' X-Forwarded-* headers (store/security.py)."""
    from store.security import register_proxies as register

    register(app)


def register_favicon(app: Flask) -> None:
    """`/favicon.ico`, which browsers and crawlers ask for on their own."""

    @app.get("/favicon.ico")
    def favicon():
        """Send the visitor to the site's icon, a static file cached for a year."""
        response = redirect(url_for("static", filename="img/favicon.svg"), code=302)
        # A day, not a year: a new icon gets a new versioned URL, which this must lead to.
        response.cache_control.public = True
        response.cache_control.max_age = 86_400
        return response


def register_errorhandlers(app: Flask) -> None:
    """Render HTTP errors in the site's look."""
    from store.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share (store/templating.py)."""
    from store.templating import register_template_helpers as register

    register(app)


def register_page_cache(app: Flask) -> None:
    """Public answers kept a few seconds for visitors without a session (in front of Flask and
    every WSGI layer of the app; only the trusted proxies' layer comes before it)."""
    from store.ops.page_cache import register_page_cache as register

    register(app)


def register_commands(app: Flask) -> None:
    """The `flask store …` commands."""
    from store.admin import commands  # noqa: F401  (adds create-admin and sync-stripe)
    from store.mail import commands as _mail_commands  # noqa: F401  (adds send-mail)
    from store.seed import store_cli

    app.cli.add_command(store_cli)


def register_mail_worker(app: Flask) -> None:
    """With MAIL_WORKER_IN_PROCESS (on with `make run`), the first request starts a thread
    that sends the outbox: a local run needs no second process. Production runs
    `flask --app app store send-mail` instead."""
    if not app.config.get("MAIL_WORKER_IN_PROCESS"):
        return
    from store.mail.sender import start_in_process_worker

    started = threading.Lock()

    @app.before_request
    def start_mail_worker() -> None:
        if "mail_worker_stop" not in app.extensions and started.acquire(blocking=False):
            app.extensions["mail_worker_stop"] = start_in_process_worker(app)
