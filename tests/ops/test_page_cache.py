"""The public pages are cached briefly for anonymous visitors, never for anybody else."""

import re

import pytest

from store.catalog.models import Billing

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_SECONDS": 60}


@pytest.fixture
def demo(app):
    """The demo content, loaded without keeping an app context (each request gets its own,
    as in production)."""
    from store.extensions import db
    from store.seed import load_demo_content

    with app.app_context():
        load_demo_content()
        db.session.commit()


def test_anonymous_visitors_share_the_page_and_get_no_cookie(app, demo):
    first, second = app.test_client(), app.test_client()
    miss = first.get("/shop")
    hit = second.get("/shop")
    assert (miss.headers["X-Page-Cache"], hit.headers["X-Page-Cache"]) == ("miss", "hit")
    assert miss.get_data(as_text=True) == hit.get_data(as_text=True)
    assert TOKEN.findall(hit.get_data(as_text=True)) == []  # no visitor's token in it
    assert miss.headers.getlist("Set-Cookie") == hit.headers.getlist("Set-Cookie") == []
    # a hit runs no Flask code, so it has no request id of its own, and claims nobody else's
    assert "X-Request-ID" in miss.headers and "X-Request-ID" not in hit.headers

    # The cached page's form adds to the cart all the same, and starts the session.
    response = second.post("/cart/add", data={"csrf_token": "", "product_id": 1})
    assert response.status_code == 303
    assert second.get_cookie("session") is not None
    assert 'data-testid="cart-count">1<' in second.get("/shop").get_data(as_text=True)


def test_the_favicon_leaves_the_page_cache_alone(app, demo):
    visitor = app.test_client()
    assert visitor.get("/shop").headers["X-Page-Cache"] == "miss"
    icon = visitor.get("/favicon.ico")
    assert icon.status_code == 302
    assert "X-Page-Cache" not in icon.headers and "Set-Cookie" not in icon.headers
    assert visitor.get("/shop").headers["X-Page-Cache"] == "hit"


def test_a_visitor_with_a_cart_or_a_login_gets_a_fresh_page(app, seeded, forms, client, login_as):
    app.test_client().get("/shop")  # fills the cache
    forms.post("/cart/add", {"product_id": 1})
    page = client.get("/shop")
    assert "X-Page-Cache" not in page.headers
    assert 'data-testid="cart-count">1<' in page.get_data(as_text=True)

    login_as("client@example.org", admin=False)
    assert "X-Page-Cache" not in client.get("/").headers


def test_the_cache_expires(app, db, seeded, create_product):
    app.test_client().get("/shop")
    create_product(name="Nouvelle offre", billing=Billing.MONTHLY)
    assert "Nouvelle offre" not in app.test_client().get("/shop").get_data(as_text=True)
    app.config["PAGE_CACHE_SECONDS"] = 0.000001
    assert "Nouvelle offre" in app.test_client().get("/shop").get_data(as_text=True)


def test_each_language_has_its_own_copy(app, demo):
    app.test_client().get("/shop")
    english = app.test_client().get("/en/shop")
    assert "Add to cart" in english.get_data(as_text=True)


def test_each_encoding_has_its_own_copy_and_a_revalidation_gets_a_304(app, demo):
    """A hit is the stored answer as the app sent it: compressed as this browser asked, with
    its ETag, and a 304 for a browser that already holds it."""
    br = app.test_client().get("/shop", headers={"Accept-Encoding": "br"})
    plain = app.test_client().get("/shop", headers={"Accept-Encoding": "identity"})
    assert br.headers["X-Page-Cache"] == plain.headers["X-Page-Cache"] == "miss"
    again = app.test_client().get("/shop", headers={"Accept-Encoding": "br"})
    assert again.headers["X-Page-Cache"] == "hit"
    assert again.headers["Content-Encoding"] == "br" and again.data == br.data
    assert "Content-Encoding" not in plain.headers and "Boutique" in plain.get_data(as_text=True)

    etag = again.headers["ETag"]
    revalidated = app.test_client().get(
        "/shop", headers={"Accept-Encoding": "br", "If-None-Match": etag}
    )
    assert revalidated.status_code == 304 and revalidated.data == b""
    assert revalidated.headers["X-Page-Cache"] == "hit" and revalidated.headers["ETag"] == etag


def test_a_session_cookie_or_credentials_always_reach_the_app(app, demo):
    """Whatever the session holds (even nothing the page shows), a visitor who has one, or who
    sends credentials, never gets the shared copy."""
    app.test_client().get("/shop")  # fills the cache
    with_cookie = app.test_client()
    with_cookie.set_cookie("session", "anything")
    assert "X-Page-Cache" not in with_cookie.get("/shop").headers
    remembered = app.test_client()
    remembered.set_cookie("remember_token", "anything")
    assert "X-Page-Cache" not in remembered.get("/shop").headers
    bearer = app.test_client().get("/shop", headers={"Authorization": "Bearer x"})
    assert "X-Page-Cache" not in bearer.headers
    other_cookie = app.test_client()
    other_cookie.set_cookie("consent", "1")  # not the store's: the shared copy is fine
    assert other_cookie.get("/shop").headers["X-Page-Cache"] == "hit"


def test_only_answers_marked_public_are_kept(app, demo):
    """The cache keeps what store/ops/http_cache.py marks public for shared caches, and nothing
    else: a 404, a redirect, a private page."""
    for url in ["/shop/nope", "/account", "/admin/"]:
        first = app.test_client().get(url)
        second = app.test_client().get(url)
        assert first.status_code != 200 or "public" not in first.headers.get("Cache-Control", "")
        assert "X-Page-Cache" not in second.headers, url
