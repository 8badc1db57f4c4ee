"""What reaches the store before any form: cookie headers of any bytes, signed Stripe events
holding what JSON or a database cannot keep, requests in any order over http and https. The
answer is never a server error, and a page kept by the page cache is the one the request
would have got from the app."""

import json
import time

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.conftest import WEBHOOK_SECRET
from tests.properties.strategies import FAST

#: pages every visitor may reach, a static file, the health check, a private page
URLS = [
    "/",
    "/shop",
    "/en/",
    "/cart",
    "/healthz",
    "/account",
    "/robots.txt",
    "/static/css/site.css",
]


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": False,
        "PROPAGATE_EXCEPTIONS": False,
        "PAGE_CACHE_SECONDS": 60,
        "PROXY_COUNT": 1,
    }


#: a Cookie header as a WSGI server hands it over: any bytes, each a latin-1 character
cookie_headers = st.one_of(
    st.binary(max_size=300).map(lambda raw: raw.decode("latin-1")),
    st.lists(
        st.tuples(
            st.sampled_from(["session", "remember_token", "known_device", "x", "\xff"]),
            st.binary(max_size=60).map(lambda raw: raw.decode("latin-1")),
        ),
        max_size=4,
    ).map(lambda pairs: "; ".join(f"{name}={value}" for name, value in pairs)),
)


@FAST
@given(cookie=cookie_headers, url=st.sampled_from(URLS))
def test_any_cookie_bytes_on_any_url_are_answered(app, seeded, cookie, url):
    # set in the environ, as a server hands it over (a header line never holds CR or LF)
    cookie = cookie.replace("\r", "").replace("\n", "")
    response = app.test_client(use_cookies=False).get(
        url, environ_overrides={"HTTP_COOKIE": cookie}
    )
    event(f"answered {response.status_code}")
    assert response.status_code < 500, (response.status_code, url, cookie)


#: raw JSON values that Python's json reads badly or that no database stores
RAW_VALUES = st.one_of(
    st.integers(4_301, 6_000).map(lambda digits: "9" * digits),  # past Python's int digits
    st.sampled_from(["NaN", "-Infinity", "1e999", '"\\ud800"', '"a\\udfffb"', '"\\u0000"']),
    st.integers().map(str),
    st.text(max_size=20).map(json.dumps),
)
EVENT_TYPES = st.sampled_from(
    [
        "checkout.session.completed",
        "customer.subscription.updated",
        "invoice.paid",
        "charge.refunded",
        "customer.created",
    ]
)


@st.composite
def signed_bodies(draw) -> bytes:
    """An event of the store's shape whose fields hold raw values in places."""
    fields = {
        "id": draw(st.one_of(st.just('"evt_prop"'), RAW_VALUES)),
        "type": draw(st.one_of(EVENT_TYPES.map(json.dumps), RAW_VALUES)),
        "object_id": draw(st.one_of(st.just('"obj_1"'), RAW_VALUES)),
        "amount": draw(RAW_VALUES),
        "metadata": draw(RAW_VALUES),
    }
    shape = {
        "id": "@id",
        "type": "@type",
        "data": {
            "object": {
                "id": "@object_id",
                "amount_total": "@amount",
                "metadata": {"order_number": "@metadata"},
            }
        },
    }
    body = json.dumps(shape)
    for name, raw in fields.items():
        body = body.replace(f'"@{name}"', raw)
    return body.encode()


@FAST
@given(body=signed_bodies())
def test_any_signed_event_is_answered_200_or_400(app, payments, body):
    signature = payments.sign(body, WEBHOOK_SECRET, int(time.time()))
    response = app.test_client().post(
        "/stripe/webhook",
        data=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    event(f"answered {response.status_code}")
    assert response.status_code in (200, 400), (response.status_code, body[:200])


#: one request: the scheme the client used, and what the proxy in front says of it
requests = st.tuples(
    st.sampled_from(["http", "https"]),
    st.sampled_from([None, "http", "https"]),
    st.sampled_from(["/", "/shop", "/en/"]),
)


@FAST
@given(sequence=st.lists(requests, min_size=1, max_size=8))
def test_a_kept_page_always_carries_the_security_headers_of_its_own_scheme(app, seeded, sequence):
    """Behind the one trusted proxy (PROXY_COUNT=1), an https request gets
    Strict-Transport-Security whatever page the cache kept before it."""
    app.extensions["page_cache"].clear()
    for scheme, forwarded, url in sequence:
        headers = {"X-Forwarded-Proto": forwarded} if forwarded else {}
        response = app.test_client(use_cookies=False).get(
            url, base_url=f"{scheme}://localhost", headers=headers
        )
        secure = (forwarded or scheme) == "https"
        event(f"{'https' if secure else 'http'} {response.headers.get('X-Page-Cache')}")
        assert ("Strict-Transport-Security" in response.headers) == secure, (sequence, url)
