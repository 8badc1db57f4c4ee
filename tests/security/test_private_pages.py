"""What belongs to one visitor is never kept by a cache: every account, back-office, payment,
download and API response, a full cart, and every page a logged-in visitor gets answer
`Cache-Control: no-store`. Public pages for anonymous visitors keep their caching headers, and
the anonymous page cache still serves them."""

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from store.catalog.models import Product
from store.orders.models import Order
from tests.conftest import CHECKOUT_CONSENT, PASSWORD, logged_in, visitor

ARTICLE = "/articles/differend-openai-elon-musk-blague-proces"
#: what an anonymous visitor with an empty cart reads; any cache may keep these
PUBLIC_PAGES = [
    "/",
    "/shop",
    "/shop/guide-prompts-gpt-4",
    ARTICLE,
    "/category/actualites",
    "/search?q=gpt",
    "/cart",
    "/feed.xml",
    "/sitemap.xml",
    "/robots.txt",
]


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


class Pages:
    """Requests made as somebody, remembering each answer that a cache could keep."""

    def __init__(self):
        self.cacheable = []

    def get(self, who: str, browser, url: str, **kwargs):
        return self._check(who, "GET", url, browser.client.get(url, **kwargs))

    def post(self, who: str, browser, url: str, data=None):
        return self._check(who, "POST", url, browser.post(url, data))

    def _check(self, who, method, url, response):
        if not no_store(response):
            self.cacheable.append(
                (who, method, url, response.status_code, response.headers.get("Cache-Control"))
            )
        return response


@pytest.fixture
def guide(seeded):
    return seeded.session.scalar(sa.select(Product).filter_by(slug="guide-prompts-gpt-4"))


def test_every_private_response_is_no_store(app, db, guide, make_user, payments, send_events):
    pages = Pages()

    stranger = visitor(app)
    for url in [
        "/account/login",
        "/account/register",
        "/account",
        "/account/orders/GA-NOPE",
        "/admin",
        "/admin/products",
        "/admin/no-such-page",
        "/checkout/cancel",
        "/checkout/success?session_id=cs_test_nope",
        "/downloads/not-a-valid-token",
        "/api/v1/access",
    ]:
        pages.get("anonymous", stranger, url)
    pages.post("anonymous", stranger, "/checkout", CHECKOUT_CONSENT)

    shopper = visitor(app)
    pages.post("anonymous with a cart", shopper, "/cart/add", {"product_id": guide.id})
    assert "Guide pratique" in pages.get("anonymous with a cart", shopper, "/cart").text

    customer = make_user("client@example.org")
    browser = logged_in(app, customer)
    pages.post("customer", browser, "/cart/add", {"product_id": guide.id})
    pay = pages.post("customer", browser, "/checkout", CHECKOUT_CONSENT)
    session_id = urlsplit(pay.headers["Location"]).path.rsplit("/", 1)[-1]
    send_events(payments.complete_checkout(session_id))
    number = db.session.scalar(sa.select(Order.number).where(Order.user_id == customer.id))
    for url in [
        f"/checkout/success?session_id={session_id}",
        "/account",
        f"/account/orders/{number}",
        # a logged-in visitor's public pages: their header, their cart, maybe a paid article
        "/",
        "/shop",
        ARTICLE,
        "/search?q=gpt",
        "/cart",
    ]:
        assert pages.get("customer", browser, url).status_code == 200, url
    assert pages.post("customer", browser, "/account/billing-portal").status_code == 303
    # a page in the other language, which changes the customer's language (mail follows it)
    assert pages.get("customer", browser, "/en/account").status_code == 200
    assert pages.post("customer", browser, "/account/logout").status_code == 303

    owner = logged_in(app, make_user("patronne@example.org", admin=True))
    order_id = db.session.scalar(sa.select(Order.id).where(Order.number == number))
    for url in [
        "/admin",
        "/admin/products",
        f"/admin/products/{guide.id}",
        "/admin/articles",
        "/admin/comments",
        "/admin/orders",
        f"/admin/orders/{order_id}",
        "/admin/subscriptions",
        "/admin/settings",
    ]:
        assert pages.get("admin", owner, url).status_code == 200, url

    assert pages.cacheable == []


def test_the_rule_follows_the_login_and_ends_with_it(app, guide, make_user):
    user = make_user("client@example.org")
    browser = visitor(app)
    assert "Cache-Control" not in browser.client.get("/shop").headers
    login = browser.post("/account/login", {"email": user.email, "password": PASSWORD})
    assert login.status_code == 303 and no_store(login)
    assert no_store(browser.client.get("/shop"))
    logout = browser.post("/account/logout")
    assert logout.status_code == 303 and no_store(logout)
    assert "Cache-Control" not in browser.client.get("/shop").headers


def test_public_pages_keep_their_caching_headers(app, guide):
    for url in PUBLIC_PAGES:
        response = visitor(app).client.get(url)
        assert response.status_code == 200, url
        assert "Cache-Control" not in response.headers, (url, response.headers["Cache-Control"])
    page = visitor(app).client.get("/").text
    css = page.split('rel="stylesheet" href="')[1].split('"')[0]
    static = visitor(app).client.get(css)
    assert static.headers["Cache-Control"] == "public, max-age=31536000"


def test_the_anonymous_page_cache_still_serves_public_pages(app, guide):
    app.config["PAGE_CACHE_SECONDS"] = 60
    for url in ["/", "/shop", "/shop/guide-prompts-gpt-4", ARTICLE, "/cart"]:
        first = visitor(app).client.get(url)
        second = visitor(app).client.get(url)
        assert (first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]) == (
            "miss",
            "hit",
        ), url
        assert "Cache-Control" not in first.headers and "Cache-Control" not in second.headers
