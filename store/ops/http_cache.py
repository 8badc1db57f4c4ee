"""Who may keep a response: the one rule for `Cache-Control` on every page of the store.

Every response ends in one of three ways, decided after everything else has run (the views,
Flask-Compress, Flask-Login's remember cookie, the session cookie), in `Store.process_response`:

- **private**: `Cache-Control: private, no-store`. An account, back-office, payment, download or
  API response, a full cart, any page a logged-in visitor gets (it may hold a subscriber-only
  article), any page rendered from a visitor's session (it may hold their form token or a
  message meant for them, "added to your cart"), and any response that sets a cookie. Neither
  the browser's cache (a shared computer, the back button after logging out) nor a cache in
  between (nginx, a CDN, a corporate proxy) keeps it. A stricter value set by a view is kept.
- **public**: a public page (front page, article, category, shop, product, search, feed,
  sitemap, robots.txt, legal pages) answered 200 to a GET by an anonymous visitor whose session
  is empty (no login, no cart, no message) and that sets no cookie is the same for everybody:
  `Cache-Control: public, max-age=0, s-maxage=PUBLIC_CACHE_SECONDS,
  stale-while-revalidate=PUBLIC_CACHE_STALE_SECONDS`, so a shared cache (deploy/nginx.conf)
  serves it for up to PUBLIC_CACHE_SECONDS and browsers ask again each time. It carries a weak
  `ETag` (a hash of the body) and, for an article, `Last-Modified`; a conditional GET that
  matches (`If-None-Match`, else `If-Modified-Since`) is answered 304 without the body. The
  language is in the URL (English under /en/), never read from `Accept-Language`, so caches
  need no `Vary: Accept-Language`.
- **anything else** (an anonymous visitor's 404, a redirect) keeps the headers it has.
"""

from flask import Flask, Response, current_app, g, request, session

from store.cart.services import SESSION_KEY as CART_KEY

#: first path segments whose every response is private (a 404 under them too)
PRIVATE_SECTIONS = frozenset({"account", "admin", "checkout", "downloads", "api"})
#: where Flask-Login keeps the logged-in user's id in the session
USER_ID_KEY = "_user_id"
#: the pages that are the same for every anonymous visitor with an empty session
PUBLIC_ENDPOINTS = frozenset(
    {
        "articles.index",
        "articles.detail",
        "articles.category",
        "catalog.index",
        "catalog.detail",
        "cart.view",  # empty: a visitor with a cart has a session, so their page is private
        "search.results",
        "seo.feed",
        "seo.sitemap",
        "seo.sitemap_pages",
        "seo.sitemap_articles",
        "seo.robots",
        "legal.mentions",
        "legal.cgv",
        "legal.privacy",
    }
)
PRIVATE = "private, no-store"


def note_the_session() -> None:
    """Before each request: whether the visitor arrived with an empty session (read from the
    cookie, not the database, so that this works when the database is down)."""
    g.arrived_with_empty_session = not session


def is_private() -> bool:
    """True when this request's response is for one visitor's eyes only."""
    section = request.path.lstrip("/").partition("/")[0]
    if section in PRIVATE_SECTIONS:
        return True
    if section == "cart" and session.get(CART_KEY):
        return True
    # A logged-in visitor's page: it, and the session cookie it may carry, are theirs alone.
    return bool(session.get(USER_ID_KEY))


def _is_public(response: Response) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint in PUBLIC_ENDPOINTS
        and response.status_code == 200
        and g.get("arrived_with_empty_session", False)
        and not session  # nothing was put in it either (a form token, a message, a login)
        and "Set-Cookie" not in response.headers
        and not response.cache_control.no_store
        and current_app.config.get("PUBLIC_CACHE_SECONDS", 0) > 0
    )


def apply_cache_policy(response: Response) -> Response:
    """The last step of every response: mark it private or public (see the module's doc)."""
    if request.endpoint == "static":
        return response  # the same file for everybody, cached for a year (and no session read)
    if _is_public(response):
        config = current_app.config
        response.headers["Cache-Control"] = (
            f"public, max-age=0, s-maxage={int(config['PUBLIC_CACHE_SECONDS'])}, "
            f"stale-while-revalidate={int(config.get('PUBLIC_CACHE_STALE_SECONDS', 0))}"
        )
        # After Flask-Compress: the hash is of the bytes sent, one per encoding.
        response.add_etag(weak=True)
        response.make_conditional(request)  # in place: 304 and no body when it matches
        return response
    if response.cache_control.no_store:
        return response  # the view's own, stricter value
    # Rendered from the visitor's session, unless the view said it is the same for everybody
    # (the favicon's redirect).
    session_bound = not g.get("arrived_with_empty_session", not session) and not (
        response.cache_control.public
    )
    if is_private() or "Set-Cookie" in response.headers or session_bound:
        response.headers["Cache-Control"] = PRIVATE
    return response


def register_http_cache(app: Flask) -> None:
    """Note the visitor's session before each request (`Store.process_response` then calls
    `apply_cache_policy` on every response)."""
    app.before_request(note_the_session)
