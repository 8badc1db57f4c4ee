"""The short-lived cache of public pages never hands one visitor what belongs to another
(CSRF token, account, cart, messages) and cannot be poisoned by a forged request."""

import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import logged_in, visitor

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": False, "PAGE_CACHE_SECONDS": 60}


@pytest.fixture
def guide(create_product):
    return create_product(name="Guide", headline="Le guide dès aujourd'hui")


@pytest.fixture
def pages(guide, create_article):
    article = create_article(offer=guide)
    return ["/", "/shop", f"/shop/{guide.slug}", f"/articles/{article.slug}", "/cart"]


def test_the_cache_is_on_in_these_tests(app, pages):
    visitor(app).client.get("/shop")
    assert visitor(app).client.get("/shop").headers.get("X-Page-Cache") == "hit"


def test_a_forged_host_header_does_not_poison_the_cache(app, pages):
    poisoned = []
    for url in pages:
        visitor(app).client.get(url, headers={"Host": "evil.example"})
        page = visitor(app).client.get(url).get_data(as_text=True)
        if "evil.example" in page:
            poisoned.append((url, re.findall(r"[^\"' ]*evil\.example[^\"' ]*", page)[:2]))
    assert poisoned == []


def test_no_token_reaches_the_cache_and_a_logged_in_visitor_keeps_their_own(app, pages, make_user):
    customer = logged_in(app, make_user("camille@example.org"))
    for url in pages:
        first = visitor(app).client.get(url)
        customer_page = customer.client.get(url)
        second = visitor(app).client.get(url)
        assert second.headers.get("X-Page-Cache") == "hit", url
        assert TOKEN.findall(first.get_data(as_text=True)) == [], url
        assert second.get_data(as_text=True) == first.get_data(as_text=True), url
        assert "X-Page-Cache" not in customer_page.headers, url
        (token,) = set(TOKEN.findall(customer_page.get_data(as_text=True)))
        # the customer's forms carry the token of their own session
        with customer.client.session_transaction() as session:
            secret = session["csrf_token"]
        assert URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").loads(token) == secret


def test_what_a_customer_sees_never_reaches_an_anonymous_visitor(app, pages, guide, make_user):
    customer = logged_in(app, make_user("camille.secret@example.org"))
    admin = logged_in(app, make_user("patron.secret@example.org", admin=True))
    shopper = visitor(app)
    for url in pages:
        anonymous = visitor(app)
        anonymous.client.get(url)  # the page is cached now
        shopper.post("/cart/add", {"product_id": guide.id, "quantity": 3})
        for browser in (customer, admin, shopper):
            browser.client.get(url)
        page = visitor(app).client.get(url).get_data(as_text=True)
        assert "secret@example.org" not in page, url
        assert "/admin" not in page and "/account/logout" not in page, url
        assert 'data-testid="cart-count">0<' in page, url
        assert "ajouté à votre panier" not in page, url


#: what differs between two answers of one URL for reasons other than the request
UNSTABLE_HEADERS = {"date", "x-request-id", "x-page-cache", "content-length"}


def answer(app, url: str, request: dict) -> tuple:
    """What a new visitor gets: status, headers (those that do not differ between two answers
    anyway) and body."""
    response = app.test_client().get(url, **request)
    headers = sorted(
        (name, value) for name, value in response.headers if name.lower() not in UNSTABLE_HEADERS
    )
    return response.status_code, headers, response.get_data()


#: each thing the app trusts in a request that changes its answer, with two values of it
TRUSTED_DIFFERENCES = {
    "scheme": ({}, {"base_url": "https://localhost"}),
    "scheme from the trusted proxy": (
        {"headers": {"X-Forwarded-Proto": "http"}},
        {"headers": {"X-Forwarded-Proto": "https"}},
    ),
    "host from the trusted proxy": (
        {"headers": {"X-Forwarded-Host": "localhost"}},
        {"headers": {"X-Forwarded-Host": "gpt-actu.example"}},
    ),
    "mount point": ({}, {"environ_overrides": {"SCRIPT_NAME": "/news"}}),
    "language": ({}, {"environ_overrides": {"SCRIPT_NAME": "/en"}}),
}


@pytest.mark.parametrize("app_config", [{"PROXY_COUNT": 1, "PAGE_CACHE_SECONDS": 60}])
@pytest.mark.parametrize("difference", TRUSTED_DIFFERENCES, ids=str)
def test_a_cached_page_is_only_ever_the_one_the_app_would_answer(app, pages, difference):
    """After a page was kept for one request, a request that differs in something the app
    trusts (scheme, host, mount point) gets exactly what the app would answer it, e.g. an
    https visitor after an http one still gets Strict-Transport-Security."""
    first, second = TRUSTED_DIFFERENCES[difference]
    cache = app.extensions["page_cache"]
    for url in pages:
        cache.clear()
        app.config["PAGE_CACHE_SECONDS"] = 0
        expected = answer(app, url, second)
        app.config["PAGE_CACHE_SECONDS"] = 60
        answer(app, url, first)  # kept
        assert answer(app, url, second) == expected, (difference, url)
    if difference.startswith("scheme"):
        assert any(name == "Strict-Transport-Security" for name, _ in expected[1])
