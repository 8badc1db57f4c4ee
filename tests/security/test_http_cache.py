"""Who may keep a page (store/ops/http_cache.py). What belongs to one visitor is never kept
by a cache: every account, back-office, payment, download and API response, a full cart, every
page a logged-in visitor gets, and every response that sets a cookie or carries a message
answer `Cache-Control: private, no-store` (or a view's own `no-store`). The public pages an
anonymous visitor with an empty session reads are the same for everybody: any shared cache may
keep them for PUBLIC_CACHE_SECONDS, and a conditional GET is answered 304."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from store.articles.models import Article
from store.catalog.models import Product
from store.orders.models import Order
from tests.conftest import CHECKOUT_CONSENT, PASSWORD, logged_in, visitor

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = "/articles/differend-openai-elon-musk-blague-proces"
#: what an anonymous visitor with an empty cart reads; any cache may keep these
PUBLIC_PAGES = [
    "/",
    "/shop",
    "/shop/guide-prompts-gpt-4",
    ARTICLE,
    "/category/actualites",
    "/search?q=gpt",
    "/mentions-legales",
    "/cgv",
    "/confidentialite",
    "/feed.xml",
    "/sitemap.xml",
    "/robots.txt",
]
#: public pages that carry no form, hence no form token, today
FORMLESS_PAGES = ["/feed.xml", "/sitemap.xml", "/robots.txt"]
PUBLIC = "public, max-age=0, s-maxage=60, stale-while-revalidate=30"
PRIVATE = "private, no-store"


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
    assert browser.client.get("/feed.xml").headers["Cache-Control"] == PUBLIC
    login = browser.post("/account/login", {"email": user.email, "password": PASSWORD})
    assert login.status_code == 303 and login.headers["Cache-Control"] == PRIVATE
    for url in ["/", "/shop", ARTICLE, "/feed.xml", "/cgv"]:
        page = browser.client.get(url)
        assert page.headers["Cache-Control"] == PRIVATE, url
        assert "ETag" not in page.headers, url
    logout = browser.post("/account/logout")
    assert logout.status_code == 303 and logout.headers["Cache-Control"] == PRIVATE


def test_a_cart_or_a_message_keeps_a_page_private(app, guide):
    shopper = visitor(app)
    shopper.post("/cart/add", {"product_id": guide.id})
    for url in ["/shop", "/cart", "/feed.xml"]:  # the first one shows "added to your cart"
        assert shopper.client.get(url).headers["Cache-Control"] == PRIVATE, url

    reader = visitor(app)
    posted = reader.post(
        f"{ARTICLE}/comments",
        {"name": "Lou", "email": "lou@example.org", "body": "Merci pour cet article."},
    )
    assert posted.status_code == 303
    page = reader.client.get(ARTICLE)
    assert "awaiting moderation" in page.text or "attente de modération" in page.text
    assert page.headers["Cache-Control"] == PRIVATE


def test_no_response_that_sets_a_cookie_is_public(app, guide):
    for url in PUBLIC_PAGES:
        response = app.test_client(use_cookies=False).get(url)
        assert response.status_code == 200, url
        if "Set-Cookie" in response.headers:
            assert response.headers["Cache-Control"] == PRIVATE, url
        else:
            assert response.headers["Cache-Control"] == PUBLIC, url


def _is_public(response) -> bool:
    return (
        response.headers.get("Cache-Control") == PUBLIC
        and "Set-Cookie" not in response.headers
        and response.headers["ETag"].startswith('W/"')
        # the language is in the URL: one copy per URL, whatever the browser prefers
        and "Accept-Language" not in response.headers.get("Vary", "")
    )


def test_formless_public_pages_are_public_and_answer_conditional_gets(app, db, guide):
    for url in FORMLESS_PAGES:
        response = app.test_client(use_cookies=False).get(url)
        assert response.status_code == 200 and _is_public(response), url
        again = app.test_client(use_cookies=False).get(
            url, headers={"If-None-Match": response.headers["ETag"]}
        )
        assert again.status_code == 304 and again.data == b"", url
        assert again.headers["ETag"] == response.headers["ETag"]

    feed = app.test_client(use_cookies=False).get("/feed.xml")
    article = db.session.scalar(sa.select(Article).filter_by(slug=ARTICLE.rsplit("/", 1)[1]))
    article.title = "Un titre revu par la rédaction"
    db.session.commit()
    changed = app.test_client(use_cookies=False).get(
        "/feed.xml", headers={"If-None-Match": feed.headers["ETag"]}
    )
    assert changed.status_code == 200 and "Un titre revu par la rédaction" in changed.text
    assert changed.headers["ETag"] != feed.headers["ETag"]


def test_the_public_cache_time_is_a_setting(app, guide):
    app.config.update(PUBLIC_CACHE_SECONDS=5, PUBLIC_CACHE_STALE_SECONDS=0)
    response = app.test_client(use_cookies=False).get("/sitemap.xml")
    assert response.headers["Cache-Control"] == (
        "public, max-age=0, s-maxage=5, stale-while-revalidate=0"
    )
    app.config["PUBLIC_CACHE_SECONDS"] = 0  # off: public pages say nothing
    response = app.test_client(use_cookies=False).get("/sitemap.xml")
    assert "Cache-Control" not in response.headers and "ETag" not in response.headers


def test_every_public_page_is_public_for_an_anonymous_visitor(app, guide):
    for url in PUBLIC_PAGES:
        response = app.test_client(use_cookies=False).get(url)
        assert response.status_code == 200 and _is_public(response), url


def test_an_article_answers_if_modified_since(app, db, guide):
    first = app.test_client(use_cookies=False).get(ARTICLE)
    assert first.headers["Last-Modified"] and _is_public(first)
    again = app.test_client(use_cookies=False).get(
        ARTICLE, headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert again.status_code == 304


def test_static_files_are_cached_for_a_year(app, guide):
    page = visitor(app).client.get("/").text
    css = page.split('rel="stylesheet" href="')[1].split('"')[0]
    assert "?v=" in css  # a new file gets a new address
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
        for response in (first, second):  # each with the visitor's own token, if any
            if "Set-Cookie" in response.headers:
                assert response.headers["Cache-Control"] == PRIVATE, url
