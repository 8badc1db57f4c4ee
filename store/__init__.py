"""The store: a French tech-news site with a subscription micro-store."""

import hashlib
import os
import threading
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, abort, redirect, request, session, url_for
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from store import config
from store.i18n import LANGUAGES, LanguagePrefix, is_language_free, localize_path, path_in
from store.text import StoreRequest


class Store(Flask):
    """Flask, with the two things every request and every link of the store rely on."""

    #: form text arrives with LF line endings only (store/text.py says why)
    request_class = StoreRequest

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
        PUBLIC_URL, never with the Host header a client sent."""
        if is_language_free(endpoint):
            locale = LANGUAGES[0]
        else:
            locale = _locale or str(get_locale() or LANGUAGES[0])
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


#: no inline script or style anywhere: the policy allows only the site's own files; forms lead
#: only to the site and to Stripe's hosted Checkout and customer portal (form-action also
#: governs the redirect a form's POST answers with, which is how the store sends customers there)
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self' https://checkout.stripe.com https://billing.stripe.com",
    "frame-ancestors": "'none'",
}


#: the only endpoints that accept bodies larger than MAX_CONTENT_LENGTH (file uploads)
UPLOAD_ENDPOINTS = {"admin.product_new", "admin.product_edit"}


def register_security(app: Flask) -> None:
    """Security headers (Flask-Talisman), who may cache each page, and response
    compression (Flask-Compress)."""
    from flask_compress import Compress
    from flask_talisman import Talisman

    from store.ops.form_action import FormActionSources
    from store.ops.http_cache import register_http_cache

    Talisman(
        app,
        # TLS ends at the proxy in production; HSTS is still sent on every https request.
        force_https=False,
        frame_options="DENY",
        content_security_policy={
            **CONTENT_SECURITY_POLICY,
            # plus the configured Stripe double's origin, when STRIPE_API_BASE names one
            "form-action": FormActionSources(CONTENT_SECURITY_POLICY["form-action"]),
        },
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        strict_transport_security=True,
    )
    register_http_cache(app)
    Compress(app)

    @app.before_request
    def limit_request_size():
        # Bodies are refused (413) past MAX_CONTENT_LENGTH before anything reads them; only
        # the admin's product form, which uploads the files sold, may send more.
        if request.endpoint in UPLOAD_ENDPOINTS and getattr(current_user, "is_admin", False):
            request.max_content_length = app.config["DOWNLOAD_MAX_BYTES"] + 1024 * 1024

    @app.before_request
    def refuse_nul_characters():
        # No text the store keeps may hold a NUL (PostgreSQL refuses it): say so with a 400.
        if request.endpoint == "payments.webhook":
            return  # the raw body is for the signature check; it is JSON, checked there
        values = [request.path]
        values += [value for _, listed in request.args.lists() for value in listed]
        if request.method == "POST":
            values += [value for _, listed in request.form.lists() for value in listed]
        if any("\x00" in value for value in values):
            abort(400, description="NUL character in the request")

    @app.before_request
    def refuse_json_forms():
        # Every form of the store is an HTML form. Flask-WTF would read a JSON body as the
        # form's fields and fail on JSON of another shape: a 400 says so first. Only Stripe's
        # webhook takes JSON, and checks it itself.
        if (
            request.method in ("POST", "PUT", "PATCH", "DELETE")
            and request.is_json
            and request.endpoint != "payments.webhook"
        ):
            abort(400, description="a JSON body where a form was expected")

    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        # Client address (rate limits, logs) and https come from the trusted proxies' headers.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask documents this wrapping
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )

    @app.after_request
    def buffer_static_files(response):
        # Static files are small: read them into memory so Flask-Compress can compress them
        # (it leaves a streamed file's handle open) and close the file here.
        if request.endpoint == "static" and response.is_streamed and response.status_code == 200:
            stream = response.response
            response.direct_passthrough = False
            data = b"".join(stream)
            if hasattr(stream, "close"):
                stream.close()
            response.set_data(data)
        return response


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
        # "<id>:<session version>": a session or cookie from before the user's last logout,
        # password change or "log out everywhere" carries an old version and opens nothing.
        number, _, version = user_id.partition(":")
        user_number, version_number = valid_id(number), valid_id(version)
        if user_number is None or version_number is None:
            return None
        user = db.session.get(User, user_number)
        return user if user is not None and user.session_version == version_number else None

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
    """Filters and globals the templates share."""
    from store.cart.services import cart_for_layout
    from store.downloads.services import format_file_size
    from store.i18n.templating import bound_gettext
    from store.markdown import render_markdown
    from store.money import format_money, format_money_incl_vat, format_price, format_rate
    from store.payments.gateway import is_configured
    from store.subscriptions.services import trial_offered
    from store.urls import page_number

    app.add_template_filter(format_money, "money")

    def offered_price(product, trial: bool | None = None) -> str:
        """The price as this visitor is offered it, VAT included: with the free trial while
        they may have one (`trial` forces it on or off)."""
        if trial is None:
            trial = product.offers_trial and trial_offered()
        return format_price(product, trial=trial)

    app.add_template_filter(offered_price, "price")
    app.add_template_filter(format_money_incl_vat, "money_incl_vat")
    app.add_template_filter(format_rate, "vat_rate")
    app.add_template_filter(lambda value, fmt="long": format_datetime(value, fmt), "datetime")
    app.add_template_filter(lambda value: format_datetime(value, "d MMMM y"), "date")
    app.add_template_filter(format_file_size, "filesize")
    app.add_template_filter(render_markdown, "markdown")

    static_folder = app.static_folder or ""

    @lru_cache(maxsize=256)
    def static_version(filename: str) -> str:
        try:
            with open(os.path.join(static_folder, filename), "rb") as file:
                return hashlib.sha256(file.read()).hexdigest()[:12]
        except OSError:
            return ""

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        # A content hash in the URL lets browsers cache static files for a year.
        if endpoint == "static" and "filename" in values:
            values.setdefault("v", static_version(values["filename"]))

    def page_url(locale: str | None = None) -> str | None:
        """This page's one public address in `locale` (this request's language when None):
        path and page number, no other parameters."""
        if request.endpoint in (None, "static") or request.view_args is None:
            return None
        page = page_number(request.args.get("page"))
        extra: dict[str, Any] = {"page": page} if page and page > 1 else {}
        return url_for(
            request.endpoint, **request.view_args, **extra, _external=True, _locale=locale
        )

    @app.context_processor
    def inject_layout():
        canonical_url = page_url()
        return {
            "site_name": app.config["SITE_NAME"],
            "cart": cart_for_layout(),
            "current_path": request.script_root + request.full_path.rstrip("?"),
            "payments_enabled": is_configured(),
            "current_locale": str(get_locale() or "fr"),
            "canonical_url": canonical_url,
            # hreflang alternates of a page that has a canonical URL, each language's own
            "alternate_urls": {locale: page_url(locale) for locale in LANGUAGES}
            if canonical_url and not is_language_free(request.endpoint or "")
            else {},
            # the language switcher's links: this very path and query in each language
            "language_paths": {locale: path_in(locale) for locale in LANGUAGES},
            **bound_gettext(),
        }


def register_page_cache(app: Flask) -> None:
    """Public answers kept a few seconds for visitors without a session (in front of Flask:
    registered last, so that it wraps every other WSGI layer)."""
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
