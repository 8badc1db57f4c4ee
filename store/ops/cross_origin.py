"""Protection from cross-site request forgery, with no cookie for anonymous visitors.

Layer 1, every unsafe request (POST, PUT, PATCH, DELETE): the browser says where the request
comes from, and a request another site made is refused with a 403. This is the algorithm of
Go 1.25's `net/http.CrossOriginProtection` (src/net/http/csrf.go; https://words.filippo.io/csrf/):

1. GET, HEAD and OPTIONS are allowed: they change nothing.
2. `Sec-Fetch-Site` present (every browser since 2023): "same-origin" and "none" (the visitor
   typed or bookmarked it) are allowed; anything else, "same-site" and "cross-site" included, is
   refused, unless `Origin` is a trusted origin.
3. No `Sec-Fetch-Site` and no `Origin`: allowed. It is not a browser (Stripe's webhook, curl),
   or a browser too old to tell, which layer 2 still covers for a logged-in visitor.
4. `Origin` whose host[:port] is the request's `Host`: allowed.
5. `Origin` that is a trusted origin: allowed. The trusted origin is PUBLIC_URL's (behind a proxy
   the `Host` the app sees may not be the one visitors use).
6. Anything else is refused.

Layer 2, defence in depth where a login exists: a logged-in visitor's forms carry Flask-WTF's
token and an unsafe request of theirs must send it back (400 otherwise). An anonymous visitor's
pages carry no token, so rendering them writes nothing to the session and sets no cookie: any
HTTP cache can serve them, and the visitor's first POST (add to cart, log in, comment…) works.
Their pages may come from a cache, and a token in them would be someone else's or none.
"""

import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from store.extensions import csrf

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: what `Sec-Fetch-Site` says of a request the site's own pages (or the visitor) made
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


class CrossOriginRequest(Forbidden):
    """An unsafe request another site's page made the visitor's browser send."""

    def __init__(self, reason: str):
        super().__init__(description=reason)
        self.reason = reason


def origin_of(url: str | None) -> str | None:
    """`scheme://host[:port]` of a URL, as browsers write the `Origin` header."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def trusted_origins() -> set[str]:
    """Origins whose requests are the site's own whatever `Host` says: PUBLIC_URL's."""
    public = origin_of(current_app.config.get("PUBLIC_URL"))
    return {public} if public else set()


def refusal() -> str | None:
    """Why this unsafe request must be refused as cross-origin, or None when it may go on."""
    origin = request.headers.get("Origin", "")
    fetch_site = request.headers.get("Sec-Fetch-Site", "")
    if fetch_site:
        if fetch_site in ALLOWED_FETCH_SITES or origin.lower() in trusted_origins():
            return None
        return f"Sec-Fetch-Site is {fetch_site!r}"
    if not origin:
        return None
    if _host_of(origin) == request.host.lower() or origin.lower() in trusted_origins():
        return None
    return f"Origin {origin!r} is not this site ({request.host!r})"


def _host_of(origin: str) -> str | None:
    """The host[:port] an `Origin` header names (None for "null" or a malformed one)."""
    try:
        return urlsplit(origin).netloc.lower() or None
    except ValueError:  # "http://[::1", say: no browser sends that
        return None


def protect_from_forgery() -> None:
    """Before each request: refuse cross-origin unsafe requests (403), then check the token
    of a logged-in visitor (400), or note that an anonymous visitor has none to send."""
    if request.endpoint == "static":
        return
    logged_in = current_user.is_authenticated
    if not logged_in:
        # Forms rendered for this visitor carry an empty token: Flask-WTF's generate_csrf
        # returns the one already in `g` and so never writes its secret into the session.
        g.csrf_token = ""  # nosec B105
    if request.method in SAFE_METHODS:
        return
    reason = refusal()
    if reason is not None:
        logger.warning("refused a cross-origin %s %s: %s", request.method, request.path, reason)
        raise CrossOriginRequest(reason)
    if logged_in and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect(apply_exemptions=True)  # raises CSRFError, the 400 page
    else:
        # Nothing more to check, and forms must not ask for a token no page gave.
        g.csrf_valid = True


def render_refusal(error: CrossOriginRequest):
    """The 403 page: the action came from another site and nothing was done."""
    from store.errors import render_error

    if request.path.startswith("/api/"):
        from store.api.views import json_error

        return json_error(error)
    return render_error(
        403,
        _(
            "This action was sent from another website, so nothing was done. If you meant "
            "it, open %(site)s yourself and use its own buttons.",
            site=current_app.config["SITE_NAME"],
        ),
        title=_("Refused: this request came from another website"),
    )


def register_cross_origin_protection(app: Flask) -> None:
    """Check every request before any view runs (see the module's docstring)."""
    # Flask-WTF's own hook would ask every visitor for a token; this module calls it instead.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(protect_from_forgery)
    app.register_error_handler(CrossOriginRequest, render_refusal)
