"""`Cache-Control: no-store` on every response that belongs to one visitor.

One rule for the whole site, so that a new private view cannot forget it: neither the browser's
cache (a shared computer, the back button after logging out) nor any cache between the store and
the visitor (a CDN, a corporate proxy) may keep an account page, a back-office page, a payment
step, a download, an API answer, a full cart, or any page a logged-in visitor gets (it may hold a
subscriber-only article). Public pages for anonymous visitors keep their headers.
"""

from flask import Flask, Response, request, session

from store.cart.services import SESSION_KEY as CART_KEY

#: first path segments whose every response is private (a 404 under them too)
PRIVATE_SECTIONS = frozenset({"account", "admin", "checkout", "downloads", "api"})
#: where Flask-Login keeps the logged-in user's id in the session
USER_ID_KEY = "_user_id"


def is_private() -> bool:
    """True when this request's response is for one visitor's eyes only."""
    if request.endpoint == "static":
        return False  # the same file for everybody, cached for a year (and no session read)
    section = request.path.lstrip("/").partition("/")[0]
    if section in PRIVATE_SECTIONS:
        return True
    if section == "cart" and session.get(CART_KEY):
        return True
    # A logged-in visitor's page: it, and the session cookie it may carry, are theirs alone.
    # Read from the session, not the database, so that this works when the database is down.
    return bool(session.get(USER_ID_KEY))


def forbid_storing_private_pages(response: Response) -> Response:
    """After each request: `no-store` on private responses (a stricter value set by the view,
    such as `private, no-store`, is kept)."""
    if is_private() and not response.cache_control.no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def register_private_pages(app: Flask) -> None:
    """Mark private responses `no-store`, whatever view answered."""
    app.after_request(forbid_storing_private_pages)
