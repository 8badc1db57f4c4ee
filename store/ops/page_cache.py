"""A short-lived cache, in front of Flask, of the pages every anonymous visitor gets alike.

Most traffic on a news site is a visitor with no session: their page is the next one's (its
forms carry no per-visitor token, store/ops/cross_origin.py, and it sets no cookie). The store
already says which answers are the same for everybody: `store/ops/http_cache.py` marks them
`Cache-Control: public, s-maxage=…`, the rule nginx follows (deploy/nginx.conf). This cache
follows the same rule inside each worker, for a store served without a caching proxy
(`make run`, a single gunicorn): a request without the store's cookies, for a URL whose last
answer was public, gets those bytes again for up to PAGE_CACHE_SECONDS (at most the answer's
own `s-maxage`), without running Flask at all. Anybody with a session cookie (a cart, a login,
a message to show) or an `Authorization` header always reaches the app.

It is WSGI middleware rather than a Flask hook so that a hit costs what a hit should: no
request context, session, login, rate-limit, compression or ETag work (the stored answer is
already compressed and tagged, one copy per `Accept-Encoding`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import Headers, ResponseCacheControl
from werkzeug.http import parse_cache_control_header, parse_etags, unquote_etag

# The parser Flask's `request.cookies` uses (Werkzeug 3.1): it reads the header as the WSGI
# server hands it over, so a cookie that is not UTF-8 is read, not raised on, and the cache
# sees the same cookies the app will. (werkzeug.http.parse_cookie decodes the header as UTF-8
# first and raises UnicodeDecodeError on any other byte: every URL answered a blank 500.)
from werkzeug.sansio.http import parse_cookie

if TYPE_CHECKING:
    from flask import Flask

MAX_ENTRIES = 512
#: the largest answer kept (a page of the store weighs well under it)
MAX_BODY_BYTES = 512 * 1024


@dataclass(frozen=True)
class Entry:
    stored_at: float
    max_age: float
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None

    def fresh(self, max_age: float) -> bool:
        return time.monotonic() - self.stored_at <= min(max_age, self.max_age)


class PageCache:
    """A small thread-safe LRU of whole answers, each with its own age limit."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[str, ...], Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: tuple[str, ...], max_age: float) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or not entry.fresh(max_age):
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, ...], entry: Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class PageCacheMiddleware:
    """Serve the last public answer of a URL to visitors without the store's cookies."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.cache = PageCache()
        # The cookies that make a visitor someone: the session (cart, login, messages) and
        # Flask-Login's remember-me cookie.
        self.private_cookies = {
            app.config.get("SESSION_COOKIE_NAME", "session"),
            app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        }

    def _key(self, environ: dict[str, Any]) -> tuple[str, ...] | None:
        """The key of this request's answer, or None when the app must answer it."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if environ.get("HTTP_AUTHORIZATION"):
            return None
        cookie = environ.get("HTTP_COOKIE")
        if cookie and self.private_cookies.intersection(parse_cookie(cookie)):
            return None
        return (
            # The scheme and host as the app trusts them (the proxies' layer is outside this
            # one): an https page carries Strict-Transport-Security, an http one does not; a
            # store answering several names must not mix their pages.
            environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT_ENCODING", ""),
        )

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        max_age = float(self.app.config.get("PAGE_CACHE_SECONDS", 0) or 0)
        key = self._key(environ) if max_age > 0 else None
        if key is None:
            return self.wsgi_app(environ, start_response)
        entry = self.cache.get(key, max_age)
        if entry is not None:
            return self._serve(entry, environ, start_response)
        if environ["REQUEST_METHOD"] == "HEAD":
            return self.wsgi_app(environ, start_response)  # a HEAD has no body to keep
        return self._fill(key, environ, start_response)

    def _serve(
        self, entry: Entry, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        headers = [*entry.headers, ("X-Page-Cache", "hit")]
        if entry.etag is not None and parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(
            entry.etag
        ):
            keep = {"cache-control", "etag", "vary", "last-modified", "x-page-cache"}
            start_response("304 NOT MODIFIED", [h for h in headers if h[0].lower() in keep])
            return [b""]
        start_response(entry.status, headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [entry.body]

    def _fill(
        self, key: tuple[str, ...], environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            shared_for = _shared_max_age(status, headers)
            if shared_for is not None:
                # The request id is the first visitor's: a replay must not claim it.
                kept = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
                answer.update(status=status, headers=kept, max_age=shared_for)
                headers = [*headers, ("X-Page-Cache", "miss")]
            return start_response(status, headers, exc_info)

        body_iter = self.wsgi_app(environ, capture)
        if not answer:
            return body_iter  # not for everybody (or not known yet): passed on untouched
        try:
            body = b"".join(body_iter)
        finally:
            close = getattr(body_iter, "close", None)
            if close is not None:
                close()
        if len(body) <= MAX_BODY_BYTES:
            etag = Headers(answer["headers"]).get("ETag")
            self.cache.put(
                key,
                Entry(
                    stored_at=time.monotonic(),
                    max_age=answer["max_age"],
                    status=answer["status"],
                    headers=answer["headers"],
                    body=body,
                    etag=unquote_etag(etag)[0] if etag else None,
                ),
            )
        return [body]


def _shared_max_age(status: str, headers: list[tuple[str, str]]) -> float | None:
    """How long a shared cache may keep this answer, or None if it may not keep it at all:
    a 200 marked `public` with an `s-maxage`, that sets no cookie (http_cache's rule)."""
    if not status.startswith("200"):
        return None
    values = Headers(headers)
    if "Set-Cookie" in values:
        return None
    control = parse_cache_control_header(values.get("Cache-Control"), cls=ResponseCacheControl)
    if not control.public or control.no_store or control.private or not control.s_maxage:
        return None
    return float(control.s_maxage)


def register_page_cache(app: Flask) -> None:
    """Put the page cache in front of the app (PAGE_CACHE_SECONDS = 0 turns it off)."""
    middleware = PageCacheMiddleware(app, app.wsgi_app)
    app.extensions["page_cache"] = middleware.cache
    app.wsgi_app = middleware  # type: ignore[method-assign]  # Flask documents this wrapping
