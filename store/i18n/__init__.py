"""Languages: French by default at `/`, English under `/en/`.

The language is in the URL, never in the session or the `Accept-Language` header, so that a
URL always returns the same page and any HTTP cache can serve it. `LanguagePrefix` moves `/en`
from PATH_INFO to SCRIPT_NAME: the routes are the same in both languages, and url_for() builds
`/en/…` links, redirects and Stripe return URLs by itself (see `localize_path`).
"""

from flask import g, has_app_context, has_request_context, request
from flask_babel import get_locale
from werkzeug.utils import redirect

#: the interface languages, the default first, each with its URL prefix (none for French)
PREFIXES = {"fr": "", "en": "/en"}
LANGUAGES = tuple(PREFIXES)
#: WSGI environ keys: the language the URL names, and SCRIPT_NAME before the language prefix
LOCALE_KEY = "store.locale"
ROOT_KEY = "store.root"
#: endpoints with one URL for both languages: files, machines' addresses, the sitemap, and the
#: old language buttons' redirect
LANGUAGE_FREE_ENDPOINTS = {
    "static",
    "favicon",
    "payments.webhook",
    "seo.sitemap",
    "seo.sitemap_pages",
    "seo.sitemap_articles",
    "seo.robots",
    "i18n.switch",
}
LANGUAGE_FREE_BLUEPRINTS = ("api.", "ops.")


class LanguagePrefix:
    """WSGI middleware: `/en/<path>` is `<path>` in English; `/en` alone redirects to `/en/`."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        root = environ.get("SCRIPT_NAME", "")
        environ[ROOT_KEY] = root
        environ[LOCALE_KEY] = LANGUAGES[0]
        for locale, prefix in PREFIXES.items():
            if not prefix:
                continue
            if path == prefix:
                query = environ.get("QUERY_STRING", "")
                location = root + prefix + "/" + (f"?{query}" if query else "")
                return redirect(location, code=301)(environ, start_response)
            if path.startswith(prefix + "/"):
                environ["SCRIPT_NAME"] = root + prefix
                environ["PATH_INFO"] = path[len(prefix) :]
                environ[LOCALE_KEY] = locale
                break
        return self.wsgi_app(environ, start_response)


def current_language() -> str:
    """The language being rendered, "fr" or "en": Flask-Babel's locale, which follows the URL
    and `force_locale` (a message written in its reader's language); French outside a request."""
    # Flask-Babel keeps the locale it chose in g._flask_babel.babel_locale: one context lookup
    # there, where get_locale() takes four, and a page asks twenty times (links, prices).
    state = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(state, "babel_locale", None) or get_locale()
    return locale.language if locale is not None else LANGUAGES[0]


def url_locale() -> str:
    """The language the request's URL names (French outside a request)."""
    if not has_request_context():
        return LANGUAGES[0]
    locale = request.environ.get(LOCALE_KEY)
    return locale if locale in PREFIXES else LANGUAGES[0]


def is_language_free(endpoint: str) -> bool:
    """Whether this endpoint has one URL for both languages."""
    return endpoint in LANGUAGE_FREE_ENDPOINTS or endpoint.startswith(LANGUAGE_FREE_BLUEPRINTS)


def site_root() -> str:
    """Where the store is mounted, before any language prefix ("" at the root of a host)."""
    return request.environ.get(ROOT_KEY, request.script_root).rstrip("/")


def localize_path(path: str, locale: str) -> str:
    """`path`, built by url_for() under this request's language prefix, under `locale`'s."""
    if not has_request_context():
        return path
    current_root = request.script_root
    target_root = site_root() + PREFIXES.get(locale, "")
    if target_root == current_root or not path.startswith(current_root + "/"):
        return path
    return target_root + path[len(current_root) :]


def path_in(locale: str) -> str:
    """This page's path and query in `locale` (the language switcher's links)."""
    return site_root() + PREFIXES.get(locale, "") + request.full_path.rstrip("?")
