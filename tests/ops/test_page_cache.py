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
