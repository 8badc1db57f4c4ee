"""Every route of the URL map, with every method, fed a fixed corpus of malformed input,
anonymously and as a logged-in customer: no answer is a 500.

The routes come from the URL map, so a route added later is walked too. Each request starts
from a plausible one (real ids and slugs, the visitor's cookies and CSRF token, the fields of
a real change, see `Site` in test_csrf) and breaks one thing: a value in the URL, a cookie, a
header, the query string, the form fields or the raw body. Every answer of 500 or more is
collected with the exception behind it, then reported all at once.
"""

import io
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import got_request_exception
from werkzeug.routing import Rule

from tests.conftest import logged_in
from tests.security.test_csrf import Site
from tests.security.test_search_input import query_parameters

ROLES = ("anonymous", "customer")
SKIPPED_METHODS = {"OPTIONS", "HEAD"}
#: the walk sends at least this many requests: a walk that lost its routes would pass empty
MIN_REQUESTS = 4000
#: at least this many (rule, method) pairs exist; the whole site, not a part of it
MIN_ROUTES = 60


def wsgi_text(text: str) -> str:
    """`text` sent as UTF-8 bytes, as a WSGI server hands header bytes over (latin-1)."""
    return text.encode().decode("latin-1")


NON_UTF8 = b"\xff\xfe\xc3\x28\xa0\xa1"
#: those bytes in a header, as a WSGI server hands them over (each byte a latin-1 character)
NON_UTF8_HEADER = NON_UTF8.decode("latin-1")
HUGE = "x" * 20_000
ODD_TEXT = "é\u202e\ufeff\U0001f600²１２\u0085"

#: values put in the URL for each converter, besides the real ones (already percent-encoded)
URL_VALUES = {
    "IdConverter": ["987654321", "9" * 40, "0", "-1", "1.5", quote("２"), "%ff", "1%00"],
    "UnicodeConverter": [
        "inconnu",
        quote("é-ü-漢字-😀"),
        "%ff%fe",
        "a" * 3000,
        "%00",
        "%2e%2e",
        "a%0d%0aSet-Cookie:x=1",
        "9" * 40,
    ],
    "PathConverter": ["inconnu.css", "..%2f..%2fetc%2fpasswd", "%ff", quote("é.css"), "a/" * 200],
}
#: every name the store reads from a query string
QUERY_KEYS = query_parameters()
#: fields some forms have that `Site.data` leaves out, with plausible values
EXTRA_FIELDS = {"website": "https://example.org/", "next": "/cart", "nickname": ""}


@dataclass
class Request:
    """One request: arguments for `client.open`, and the cookies to send instead of the
    browser's own (None: the browser's cookies)."""

    url: str
    method: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    cookie_header: str | None = None
    #: the statuses this request may get (None: anything below 500)
    expected: tuple[int, ...] | None = None


@dataclass
class Context:
    """What a corpus entry builds its request from."""

    url: str
    method: str
    fields: dict[str, str]  # the plausible form, CSRF token included
    cookies: dict[str, str]  # the browser's cookies, by name
    session_cookie: str
    sign: Callable[[bytes], str]  # the Stripe-Signature header Stripe would send for a body

    def request(self, **kwargs) -> Request:
        return Request(self.url, self.method, kwargs)

    def with_cookies(self, **changes: str) -> Request:
        cookies = {**self.cookies, **changes}
        header = "; ".join(f"{name}={value}" for name, value in cookies.items())
        return Request(self.url, self.method, self.body(), cookie_header=header)

    def with_raw_cookie_header(self, header: str) -> Request:
        return Request(self.url, self.method, self.body(), cookie_header=header)

    def body(self) -> dict[str, Any]:
        return {"data": self.fields} if self.method != "GET" else {}

    def headers(self, headers: dict[str, str]) -> Request:
        return self.request(headers=headers, **self.body())


def _form(ctx: Context, change: Callable[[str], Any]) -> Request:
    """The plausible form with every field but the CSRF token changed by `change`."""
    data = {
        name: value if name == "csrf_token" else change(value) for name, value in ctx.fields.items()
    }
    return ctx.request(data=data)


def _raw_form(ctx: Context, body: bytes) -> Request:
    """A urlencoded body of the CSRF token followed by `body`, as sent, not re-encoded."""
    token = quote(ctx.fields.get("csrf_token", ""))
    return ctx.request(
        data=f"csrf_token={token}&".encode() + body,
        content_type="application/x-www-form-urlencoded",
    )


def _every_field_twice(ctx: Context) -> Request:
    pairs = [("csrf_token", ctx.fields.get("csrf_token", ""))]
    for name, value in ctx.fields.items():
        if name != "csrf_token":
            pairs += [(name, value), (name, "2"), (f"{name}[]", value), (f"{name}[0]", "1")]
    raw = "&".join(f"{quote(name)}={quote(str(value))}" for name, value in pairs)
    return ctx.request(data=raw.encode(), content_type="application/x-www-form-urlencoded")


def _multipart_with_files(ctx: Context) -> Request:
    data: dict[str, Any] = {"csrf_token": ctx.fields.get("csrf_token", "")}
    for name in ctx.fields:
        if name != "csrf_token":
            data[name] = (NON_UTF8 + b"<html>", "é\r\n.pdf", "application/pdf")
    return ctx.request(data=data, content_type="multipart/form-data")


def _query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{name}={value}" for name, value in pairs)


#: name → how to break a plausible request; the same corpus for every route and role
COOKIES: dict[str, Callable[[Context], Request]] = {
    "session cookie garbage": lambda c: c.with_cookies(**{c.session_cookie: "garbage"}),
    "session cookie looking signed": lambda c: c.with_cookies(
        **{c.session_cookie: "eyJjYXJ0Ijp7fX0.ZZZZZZ.YYYYYYYYYYYYYYYYYYYYYYYYYYY"}
    ),
    "session cookie compressed garbage": lambda c: c.with_cookies(
        **{c.session_cookie: ".eJzLSM3JyQcABiwCFQ.ZZZZZZ.YYYYYYYYYYYYYYYYYYYYYYYYYYY"}
    ),
    "session cookie non-ASCII": lambda c: c.with_cookies(**{c.session_cookie: wsgi_text("é")}),
    "session cookie huge": lambda c: c.with_cookies(**{c.session_cookie: "e" * 8000}),
    "remember_token garbage": lambda c: c.with_cookies(remember_token="garbage"),
    "remember_token id and bad digest": lambda c: c.with_cookies(remember_token="1|" + "a" * 128),
    "remember_token huge id": lambda c: c.with_cookies(remember_token="9" * 40 + "|abc"),
    "remember_token non-ASCII (UTF-8)": lambda c: c.with_cookies(remember_token=wsgi_text("1|é")),
    "remember_token non-ASCII (latin-1)": lambda c: c.with_cookies(remember_token="1|\xe9"),
    "remember_token huge": lambda c: c.with_cookies(remember_token="1|" + "f" * 8000),
    "a cookie not UTF-8": lambda c: c.with_cookies(tracker=NON_UTF8_HEADER),
    "session cookie not UTF-8": lambda c: c.with_cookies(**{c.session_cookie: NON_UTF8_HEADER}),
    "remember_token not UTF-8": lambda c: c.with_cookies(remember_token="1|" + NON_UTF8_HEADER),
    "cookie name not UTF-8": lambda c: c.with_raw_cookie_header(f"{NON_UTF8_HEADER}=1; a=b"),
    "cookie header garbage": lambda c: c.with_raw_cookie_header(
        '=;;;==; %ff=%ff; "a=b; \x7f=\x7f; ' + wsgi_text("é=ü")
    ),
}

HEADERS: dict[str, Callable[[Context], Request]] = {
    "JSON content type on a form body": lambda c: c.request(
        data="&".join(f"{k}={quote(str(v))}" for k, v in c.fields.items()),
        content_type="application/json",
    ),
    "multipart without a boundary": lambda c: c.request(
        data=b"a=1", content_type="multipart/form-data"
    ),
    "multipart with a garbage body": lambda c: c.request(
        data=b"--xyz\r\nContent-Disposition: form-data; name=\r\n\r\n" + NON_UTF8,
        content_type="multipart/form-data; boundary=xyz",
    ),
    "form with an unknown charset": lambda c: c.request(
        data=b"a=%ff", content_type="application/x-www-form-urlencoded; charset=bogus-7"
    ),
    "Accept-Language garbage": lambda c: c.headers(
        {"Accept-Language": "é;q=x, *;q=1e999, zz-ZZZZ-1234-abcdefghij, ;;;, en;q=-1, fr-"}
    ),
    "Accept-Language huge": lambda c: c.headers({"Accept-Language": "fr-FR;q=0.9, " * 3000}),
    "Accept and Accept-Encoding garbage": lambda c: c.headers(
        {"Accept": "*/*;q=abc, text/html;;", "Accept-Encoding": "br;q=x, gzip;q=-1, *;q=2"}
    ),
    "huge and non-ASCII headers": lambda c: c.headers(
        {
            "User-Agent": HUGE,
            "Referer": wsgi_text("http://é.example/\x00"),
            "X-Request-ID": wsgi_text("é") * 40,
            "X-Forwarded-For": "garbage, , 999.1.1.1",
        }
    ),
    "Origin and Sec-Fetch-Site garbage": lambda c: c.headers(
        {"Origin": wsgi_text("http://é:99999"), "Sec-Fetch-Site": "é" * 10}
    ),
    "conditional and range garbage": lambda c: c.headers(
        {
            "If-Modified-Since": "yesterday",
            "If-None-Match": '"unterminated, W/',
            "Range": "bytes=abc-, 5-1, -0",
            "If-Range": "garbage",
        }
    ),
    "Authorization garbage": lambda c: c.headers(
        {"Authorization": wsgi_text("Bearer é") + " " + "k" * 5000}
    ),
    "Authorization basic garbage": lambda c: c.headers({"Authorization": "Basic %%%"}),
}

#: with TRUSTED_HOSTS set, each of these Host headers is refused with a 400
HOSTS: dict[str, Callable[[Context], Request]] = {
    f"Host {host!r}": (
        lambda c, host=host: Request(c.url, c.method, {"headers": {"Host": host}}, expected=(400,))
    )
    for host in ("evil.example", "exa mple", wsgi_text("é.example"), "localhost.evil.example")
}

QUERIES: dict[str, Callable[[Context], Request]] = {
    "query NUL": lambda c: Request(
        c.url,
        c.method,
        {"query_string": _query([(key, "a%00") for key in QUERY_KEYS]), **c.body()},
        expected=(400,),
    ),
    "query invalid UTF-8": lambda c: c.request(
        query_string=_query([(key, "%ff%fe") for key in QUERY_KEYS] + [("%ff", "1")]), **c.body()
    ),
    "query repeated keys": lambda c: c.request(
        query_string=_query([(key, value) for key in QUERY_KEYS for value in ("1", "2", "")]),
        **c.body(),
    ),
    "query huge": lambda c: c.request(
        query_string=_query([(key, "9" * 1000) for key in QUERY_KEYS] + [("q", HUGE)]),
        **c.body(),
    ),
    "query odd values": lambda c: c.request(
        query_string=_query(
            [(key, quote(value)) for key in QUERY_KEYS for value in ("-1", "1e9", ODD_TEXT)]
            + [("next", "//evil.example"), ("next", "/\\evil"), ("q", "\"'*:()^-")]
        ),
        **c.body(),
    ),
}

#: form fields and raw bodies, for the methods that carry a body
BODIES: dict[str, Callable[[Context], Request]] = {
    "fields missing": lambda c: c.request(data={"csrf_token": c.fields.get("csrf_token", "")}),
    "fields empty": lambda c: _form(c, lambda value: ""),
    "fields huge": lambda c: _form(c, lambda value: "9" * 20_000),
    "fields beyond the size limit": lambda c: _form(c, lambda value: "x" * 200_000),
    "chunked body beyond the size limit": lambda c: Request(
        c.url,
        c.method,
        {
            "input_stream": io.BytesIO(b"a=" + b"x" * (3 * 1024 * 1024)),
            "content_type": "application/x-www-form-urlencoded",
            "headers": {"Transfer-Encoding": "chunked"},
            "environ_overrides": {"wsgi.input_terminated": True},
        },
        expected=(413, 405, 404),
    ),
    "fields with NUL": lambda c: Request(
        c.url, c.method, _form(c, lambda value: f"{value}\x00").kwargs, expected=(400,)
    ),
    "fields with CRLF": lambda c: _form(c, lambda value: f"{value}\r\n\r\nX-Header: y\r\n"),
    "fields with odd text": lambda c: _form(c, lambda value: f"{value}{ODD_TEXT}"),
    "fields with malformed URLs": lambda c: _form(c, lambda value: "http://[::1"),
    "fields with odd URLs": lambda c: _form(c, lambda value: "http://a:99999/\\@evil"),
    "fields with odd emails": lambda c: _form(c, lambda value: "a@[::1"),
    "fields with odd IDN emails": lambda c: _form(c, lambda value: "é@xn--zz--.é..com"),
    "fields with odd dates": lambda c: _form(c, lambda value: "2024-02-30T25:61"),
    "fields with odd numbers": lambda c: _form(c, lambda value: "99999999999999999999"),
    "fields with negative and float numbers": lambda c: _form(c, lambda value: "-1.5e308"),
    "fields not UTF-8": lambda c: _raw_form(
        c, b"&".join(name.encode() + b"=%ff%fe%c3%28" for name in c.fields)
    ),
    "fields as arrays": _every_field_twice,
    "files where text is expected": _multipart_with_files,
    "raw body not UTF-8": lambda c: c.request(
        data=NON_UTF8 * 10, content_type="application/x-www-form-urlencoded"
    ),
    "raw body JSON garbage": lambda c: c.request(
        data=b'{"id": [1, {"a": ', content_type="application/json"
    ),
    "raw body JSON of the wrong shape": lambda c: c.request(
        data=b'[1, "a", null, {"data": 5}]', content_type="application/json"
    ),
    "raw body empty": lambda c: c.request(
        data=b"", content_type="application/x-www-form-urlencoded"
    ),
    "raw body empty, no content type": lambda c: c.request(data=b""),
}


def _signed(ctx: Context, payload: bytes) -> Request:
    return ctx.request(
        data=payload,
        headers={"Stripe-Signature": ctx.sign(payload)},
        content_type="application/json",
    )


def _event(event_type: str, obj: Any) -> bytes:
    return json.dumps({"id": "evt_walk", "type": event_type, "data": {"object": obj}}).encode()


#: what reaches the Stripe webhook: a signature, good or bad, on a body, good or bad
SIGNED: dict[str, Callable[[Context], Request]] = {
    "signature garbage, body not UTF-8": lambda c: c.request(
        data=NON_UTF8, headers={"Stripe-Signature": f"t={int(time.time())},v1=deadbeef"}
    ),
    "signature non-ASCII": lambda c: c.request(
        data=b"{}",
        headers={"Stripe-Signature": f"t={int(time.time())},v1=" + wsgi_text("é") * 32},
    ),
    "signature with a huge timestamp": lambda c: c.request(
        data=b"{}", headers={"Stripe-Signature": "t=" + "9" * 5000 + ",v1=00"}
    ),
    "signed body not UTF-8": lambda c: _signed(c, NON_UTF8),
    "signed JSON garbage": lambda c: _signed(c, b'{"id": [1, {"a": '),
    "signed JSON nested deep": lambda c: _signed(c, b"[" * 100_000),
    "signed event without an object": lambda c: _signed(
        c, _event("checkout.session.completed", [1])
    ),
    "signed event with a wrong-typed id": lambda c: _signed(
        c, _event("customer.subscription.updated", {"id": {"id": 5}})
    ),
    "signed event with an odd type": lambda c: _signed(c, _event(["charge.refunded"], {})),
    "signed event with a huge integer": lambda c: _signed(
        c, _event("charge.refunded", {"id": "@"}).replace(b'"@"', b"9" * 5000)
    ),
    "signed event with a lone surrogate": lambda c: _signed(
        c, _event("customer.subscription.updated", {"id": "sub_\ud800"})
    ),
}


def corpus_for(method: str) -> dict[str, Callable[[Context], Request]]:
    corpus = {**COOKIES, **HEADERS, **QUERIES}
    if method != "GET":
        corpus.update(BODIES)
        corpus.update(SIGNED)
    return corpus


_ARGUMENT = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")


class Walk:
    """Builds the URLs of each rule and sends requests, counting them and keeping failures."""

    def __init__(self, app, site: Site):
        self.app, self.site = app, site
        self.sent = 0
        self.crashes = 0  # answers >= 500
        self.statuses: Counter[int] = Counter()  # how far the requests got, for the printout
        self.failures: list[str] = []
        self.exceptions: list[BaseException] = []
        got_request_exception.connect(self._record, app)

    def _record(self, sender, exception, **extra):
        self.exceptions.append(exception)

    def close(self):
        got_request_exception.disconnect(self._record, self.app)

    def plausible_values(self, name: str) -> list[str]:
        site = self.site
        known = {
            "product_id": [site.spare.id],
            "article_id": [site.article.id],
            "subscription_id": [site.subscription.id],
            "order_id": [site.order.id],
            "user_id": [site.customer.id],
            "slug": [site.article.slug, site.guide.slug, site.article.category.slug],
            "number": [site.order.number],
            "kind": ["cgv"],
            "filename": [f"css/{sorted(os.listdir(Path(self.app.static_folder, 'css')))[0]}"],
        }
        return [quote(str(value), safe="/") for value in known.get(name, [1])]

    def urls(self, rule: Rule) -> tuple[list[str], list[str]]:
        """(plausible URLs, implausible URLs) of a rule."""
        arguments = _ARGUMENT.findall(rule.rule)
        if not arguments:
            return [rule.rule], []
        assert len(arguments) == 1, rule.rule  # one value per URL in this store
        name = arguments[0][1]
        converter = type(rule._converters[name]).__name__
        odd = URL_VALUES.get(converter, URL_VALUES["UnicodeConverter"])

        def fill(value: str) -> str:
            return _ARGUMENT.sub(lambda match: value, rule.rule)

        return [fill(v) for v in self.plausible_values(name)], [fill(v) for v in odd]

    def send(self, browser, request: Request, where: str) -> None:
        self.exceptions.clear()
        if request.cookie_header is None:
            client = browser.client
        else:
            client = self.app.test_client(use_cookies=False)
            headers = dict(request.kwargs.pop("headers", {}))
            headers["Cookie"] = request.cookie_header
            request.kwargs["headers"] = headers
        self.sent += 1
        try:
            response = client.open(request.url, method=request.method, **request.kwargs)
        except Exception as error:  # even the 500 page failed: the server's bare 500
            self.exceptions.append(error)
            status = 500
        else:
            response.close()
            status = response.status_code
        self.statuses[status] += 1
        if status >= 500:
            self.crashes += 1
        if status >= 500 or (request.expected is not None and status not in request.expected):
            cause = " / ".join(f"{type(e).__name__}: {e}"[:200] for e in self.exceptions)
            self.failures.append(f"{status} {where}: {cause or '-'}")


@pytest.fixture
def site(app, db, payments, make_user, create_product, create_article, create_comment, send_events):
    """Real products, an article, a comment, a customer with a paid subscription, an admin."""
    return Site(
        app, db, payments, make_user, create_product, create_article, create_comment, send_events
    )


@pytest.fixture
def walk(app, site):
    walk = Walk(app, site)
    yield walk
    walk.close()


def routes_of(app) -> list[tuple[Rule, str]]:
    routes = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - SKIPPED_METHODS)
    ]
    assert len(routes) >= MIN_ROUTES, len(routes)  # the whole site, not an empty walk
    return routes


def walk_routes(app, site, walk, corpus, roles=ROLES) -> int:
    """Send each route its URLs, then the corpus, as each role; returns the route count."""
    routes = routes_of(app)
    session_cookie = app.config["SESSION_COOKIE_NAME"]
    secret = app.config["STRIPE_WEBHOOK_SECRET"]

    def sign(payload: bytes) -> str:
        return site.payments.sign(payload, secret)

    for role in roles:
        for rule, method in routes:
            # A fresh browser per route: a logout or a garbage session must not carry over.
            browser = site.browser(role)
            fields = {}
            if method != "GET":
                fields = {**site.data(rule), **EXTRA_FIELDS, "csrf_token": browser.token()}
            body = {"data": fields} if method != "GET" else {}
            plausible, implausible = walk.urls(rule)
            for url in plausible + implausible:
                walk.send(browser, Request(url, method, dict(body)), f"{role} {method} {url[:80]}")
            if method == min(rule.methods - SKIPPED_METHODS):  # once per rule: a method it lacks
                unlisted = next(m for m in ("PATCH", "PUT", "DELETE") if m not in rule.methods)
                request = Request(plausible[0], unlisted, expected=(405,))
                walk.send(browser, request, f"{role} {unlisted} {plausible[0][:80]}")
            cookies = {
                name: cookie.value
                for name in (session_cookie, "remember_token")
                if (cookie := browser.client.get_cookie(name)) is not None
            }
            context = Context(plausible[0], method, fields, cookies, session_cookie, sign)
            for name, build in corpus(method).items():
                walk.send(browser, build(context), f"{role} {method} {plausible[0][:80]} [{name}]")
    return len(routes)


def test_no_input_makes_any_route_answer_500(app, site, walk):
    routes = walk_routes(app, site, walk, corpus_for)
    print(f"route walk: {walk.sent} requests, {routes} routes, {walk.crashes} answers >= 500")
    print(f"answers: {dict(sorted(walk.statuses.items()))}")
    print("\n".join(walk.failures))
    assert walk.sent >= MIN_REQUESTS
    assert not walk.failures, f"{len(walk.failures)} wrong answers:\n" + "\n".join(walk.failures)


def test_no_cookie_makes_any_route_answer_500_with_the_page_cache_on(app, site, walk):
    """The page cache reads the cookies before Flask does (store/ops/page_cache.py): walked with
    it on, so that what it parses is walked too."""
    app.config["PAGE_CACHE_SECONDS"] = 10
    routes = walk_routes(app, site, walk, lambda method: COOKIES, roles=("anonymous",))
    print(f"cookie walk: {walk.sent} requests, {routes} routes, {walk.crashes} answers >= 500")
    assert walk.sent >= MIN_ROUTES * len(COOKIES)
    assert not walk.failures, f"{len(walk.failures)} wrong answers:\n" + "\n".join(walk.failures)


def test_with_trusted_hosts_set_any_other_host_is_answered_400(app, site, walk):
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    routes = walk_routes(app, site, walk, lambda method: HOSTS, roles=("anonymous",))
    print(f"host walk: {walk.sent} requests, {routes} routes, {walk.crashes} answers >= 500")
    print("\n".join(walk.failures))
    assert not walk.failures, f"{len(walk.failures)} wrong answers:\n" + "\n".join(walk.failures)


def test_an_admin_sending_a_huge_id_gets_a_400_not_a_crash(app, make_user):
    """`ids` of thousands of digits: int() refuses them (Python's digit limit), so ids longer
    than a row id can be are refused before any conversion."""
    admin = logged_in(app, make_user("patron@example.org", admin=True))
    response = admin.post("/admin/comments/moderate", {"action": "approve", "ids": "9" * 20_000})
    assert response.status_code in (303, 400)
