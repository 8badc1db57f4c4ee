"""A short-lived cache of the public pages as an anonymous visitor with an empty cart sees them.

Most traffic on a news site is exactly that visitor, and their page is the next one's: its
forms carry no per-visitor token (store/ops/cross_origin.py) and it sets no cookie. The page is
rendered once every few seconds per worker and served as it is. Anybody logged in, with
something in the cart, or with a message to show gets a fresh page.
"""

import threading
import time
from collections import OrderedDict

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from store.cart.services import SESSION_KEY as CART_KEY

#: the pages worth caching (GET only)
CACHEABLE_ENDPOINTS = {
    "articles.index",
    "articles.detail",
    "articles.category",
    "catalog.index",
    "catalog.detail",
    "cart.view",
}
MAX_ENTRIES = 512


class PageCache:
    """A small thread-safe LRU of rendered pages with an age limit."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: OrderedDict[tuple, tuple[float, int, dict, str]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: tuple, max_age: float):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or time.monotonic() - entry[0] > max_age:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, status: int, headers: dict, body: str) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), status, headers, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _cache_key() -> tuple | None:
    """The key of this request's page, or None when the visitor must get a fresh page."""
    if request.method != "GET" or request.endpoint not in CACHEABLE_ENDPOINTS:
        return None
    if session.get(CART_KEY) or session.get("_flashes") or current_user.is_authenticated:
        return None
    # The host is part of the key: pages hold absolute links (canonical, og:url) built from it.
    return (request.host, request.full_path, str(get_locale()))


def register_page_cache(app: Flask) -> None:
    """Serve cached public pages for up to PAGE_CACHE_SECONDS (0 turns the cache off)."""
    cache = PageCache()
    app.extensions["page_cache"] = cache

    @app.before_request
    def serve_cached_page():
        max_age = current_app.config.get("PAGE_CACHE_SECONDS", 0)
        key = _cache_key() if max_age else None
        g.page_cache_key = key
        entry = cache.get(key, max_age) if key else None
        if entry is None:
            return None
        _, status, headers, body = entry
        g.page_cache_key = None  # served from the cache: nothing to store afterwards
        response = Response(body, status=status, headers=headers)
        response.headers["X-Page-Cache"] = "hit"
        return response

    @app.after_request
    def store_page(response):
        key = g.pop("page_cache_key", None)
        if key is None or response.status_code != 200 or response.direct_passthrough:
            return response
        if response.mimetype != "text/html" or session.get("_flashes") or session.modified:
            return response  # a page that wrote to the session is this visitor's own
        body = response.get_data(as_text=True)
        cache.put(key, response.status_code, {"Content-Type": response.content_type}, body)
        response.headers["X-Page-Cache"] = "miss"
        return response
