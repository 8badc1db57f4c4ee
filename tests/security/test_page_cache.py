"""The short-lived cache of public pages never hands one visitor what belongs to another
(CSRF token, account, cart, messages) and cannot be poisoned by a forged request."""

import re

import pytest

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


def test_another_visitors_token_from_a_cached_page_is_refused(app, pages, create_product):
    guide = create_product(name="Autre")
    first, second = visitor(app), visitor(app)
    checked = []
    for url in pages:
        first_page = first.client.get(url).get_data(as_text=True)
        second_page = second.client.get(url)
        assert second_page.headers.get("X-Page-Cache") == "hit", url
        first_match = TOKEN.search(first_page)
        if first_match is None:
            continue  # no form with a token on this page (the empty cart): nothing to steal
        first_token = first_match.group(1)
        second_token = TOKEN.search(second_page.get_data(as_text=True)).group(1)
        assert first_token != second_token, url
        checked.append(url)
        stolen = second.client.post(
            "/cart/add", data={"csrf_token": first_token, "product_id": guide.id}
        )
        assert stolen.status_code == 400, url
    assert len(checked) >= 3, checked
    own = second.client.post("/cart/add", data={"csrf_token": second_token, "product_id": guide.id})
    assert own.status_code == 303


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
