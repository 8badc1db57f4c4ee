"""An anonymous visitor with an empty cart gets no cookie from any page, so that any HTTP
cache can serve those pages; a session starts when the visitor does something the store must
remember (add to the cart, log in, register)."""

import re

from werkzeug.routing import Rule

from tests.conftest import PASSWORD

#: what a browser of the store's own pages sends with a form (store/ops/cross_origin.py)
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}


def get_rules_without_arguments(app) -> list[Rule]:
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint != "static"
    ]
    assert len(rules) >= 30  # the whole site, not an empty walk
    return rules


def public_pages(app, db, create_product, create_article) -> list[str]:
    """Every GET route without arguments (the legal pages among them), plus one page of each
    kind that takes one, a search, a second page and two 404s."""
    product = create_product(name="Guide PDF")
    article = create_article(offer=product)
    extra = [
        f"/articles/{article.slug}",
        f"/category/{article.category.slug}",
        f"/shop/{product.slug}",
        "/search?q=num%C3%A9ro",
        "/?page=2",
        "/no-such-page",
        f"/articles/{article.slug}-gone",
    ]
    return [rule.rule for rule in get_rules_without_arguments(app)] + extra


def test_no_page_sets_a_cookie_for_an_anonymous_visitor(app, db, create_product, create_article):
    walked = []
    for url in public_pages(app, db, create_product, create_article):
        browser = app.test_client()  # a new visitor each time: no cookie to start from
        response = browser.get(url)
        assert response.status_code < 500, url
        assert response.headers.getlist("Set-Cookie") == [], url
        assert browser.get_cookie("session") is None, url
        walked.append((url, response.status_code))
    assert ("/", 200) in walked and ("/shop", 200) in walked and ("/no-such-page", 404) in walked


def test_the_pages_forms_carry_no_token_yet_work_on_the_first_post(app, create_product):
    """The add-to-cart form on the shop has no token for an anonymous visitor; posting it as
    the browser would starts the session, with the product in the cart."""
    guide = create_product(name="Guide PDF")
    browser = app.test_client()
    shop = browser.get("/shop").get_data(as_text=True)
    assert 'action="/cart/add"' in shop
    assert 'name="csrf_token" value=""' in shop
    response = browser.post(
        "/cart/add", data={"product_id": guide.id, "csrf_token": ""}, headers=SAME_ORIGIN
    )
    assert response.status_code == 303
    assert any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))
    assert browser.get_cookie("session") is not None
    assert "Guide PDF" in browser.get("/cart").get_data(as_text=True)


def test_logging_in_starts_a_session_and_the_pages_then_carry_a_token(app, make_user):
    make_user("camille@example.org")
    browser = app.test_client()
    login_page = browser.get("/account/login")
    assert login_page.headers.getlist("Set-Cookie") == []
    response = browser.post(
        "/account/login",
        data={"email": "camille@example.org", "password": PASSWORD},
        headers=SAME_ORIGIN,
    )
    assert response.status_code == 303
    assert browser.get_cookie("session") is not None
    account = browser.get("/account").get_data(as_text=True)
    assert "camille@example.org" in account
    # Logged in, the forms carry Flask-WTF's token again (store/ops/cross_origin.py, layer 2).
    assert 'name="csrf_token" value=""' not in account
    assert 'name="csrf_token" value="' in account


def test_registering_starts_a_session(app):
    browser = app.test_client()
    assert browser.get("/account/register").headers.getlist("Set-Cookie") == []
    response = browser.post(
        "/account/register",
        data={"email": "nouveau@example.org", "password": PASSWORD, "confirm": PASSWORD},
        headers=SAME_ORIGIN,
    )
    assert response.status_code == 303
    assert browser.get_cookie("session") is not None
    assert "nouveau@example.org" in browser.get("/account").get_data(as_text=True)


def test_after_logging_out_the_pages_set_no_cookie_again(app, make_user):
    make_user("camille@example.org")
    browser = app.test_client()
    browser.post(
        "/account/login",
        data={"email": "camille@example.org", "password": PASSWORD},
        headers=SAME_ORIGIN,
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/").get_data(as_text=True))
    response = browser.post("/account/logout", data={"csrf_token": token.group(1)})
    assert response.status_code == 303
    assert "Vous êtes déconnecté" in browser.get("/").get_data(as_text=True)  # the message, once
    assert browser.get_cookie("session") is None
    assert browser.get("/shop").headers.getlist("Set-Cookie") == []


def test_emptying_the_cart_ends_the_session(app, create_product):
    guide = create_product(name="Guide PDF")
    browser = app.test_client()
    browser.post("/cart/add", data={"product_id": guide.id}, headers=SAME_ORIGIN)
    browser.get("/cart")  # the "added" message is shown
    assert browser.get_cookie("session") is not None
    browser.post("/cart/remove", data={"product_id": guide.id}, headers=SAME_ORIGIN)
    assert "Votre panier est vide" in browser.get("/cart").get_data(as_text=True)
    assert browser.get_cookie("session") is None
    assert browser.get("/").headers.getlist("Set-Cookie") == []
