"""Bad input to the cart never gives a 500 and never loses what the cart held."""

import re

import pytest

from store.catalog.models import Billing


def badge(page: str) -> int:
    return int(re.search(r'data-testid="cart-count">(\d+)<', page).group(1))


@pytest.fixture
def filled(forms, client, create_product):
    """A cart holding one monthly offer and two guides."""
    offer = create_product(name="Offre", billing=Billing.MONTHLY)
    guide = create_product(name="Guide", price_cents=1900)
    forms.post("/cart/add", {"product_id": offer.id})
    forms.post("/cart/add", {"product_id": guide.id, "quantity": 2})
    assert badge(client.get("/cart").get_data(as_text=True)) == 3
    return guide


@pytest.mark.parametrize(
    "data, message",
    [
        ({"product_id": "abc"}, "Produit : N&#39;est pas un entier valide."),
        ({"product_id": "-4"}, None),
        ({"quantity": "deux"}, "Quantité : N&#39;est pas un entier valide."),
        ({"quantity": "-1"}, "Quantité : Indiquez une quantité de 1 à 1000."),
        ({"quantity": "0"}, "Quantité : Indiquez une quantité de 1 à 1000."),
        ({"quantity": "99999999999999999999999"}, "Quantité : Indiquez une quantité de 1 à 1000."),
        ({"quantity": "1.5"}, "Quantité : N&#39;est pas un entier valide."),
    ],
)
def test_bad_add_requests_explain_and_keep_the_cart(forms, client, filled, data, message):
    response = forms.post("/cart/add", {"product_id": filled.id, **data})
    assert response.status_code == 303
    page = client.get("/cart").get_data(as_text=True)
    assert 'class="flash flash-error"' in page
    if message:
        assert message in page
    assert badge(page) == 3


def test_an_unknown_product_is_a_404(forms, client, filled):
    response = forms.post("/cart/add", {"product_id": 987654})
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)
    assert badge(client.get("/cart").get_data(as_text=True)) == 3


@pytest.mark.parametrize("url", ["/cart/add", "/cart/update", "/cart/remove", "/cart/clear"])
def test_a_cart_change_sent_from_another_site_is_refused(client, filled, url):
    """An anonymous cart has no token to check: the browser's headers say where the form was
    (store/ops/cross_origin.py; every route: tests/security/test_cross_origin.py)."""
    for headers in (
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
        {"Origin": "http://evil.example"},
    ):
        data = {"product_id": filled.id, "quantity": 1}
        response = client.post(url, data=data, headers=headers)
        assert response.status_code == 403
        assert "venait d’un autre site" in response.get_data(as_text=True)
    assert badge(client.get("/cart").get_data(as_text=True)) == 3


def test_a_huge_update_is_refused(forms, client, filled):
    forms.post("/cart/update", {"product_id": filled.id, "quantity": 50})
    page = client.get("/cart").get_data(as_text=True)
    assert "Indiquez une quantité de 0 à 1000." in page or "au plus 10" in page
    assert badge(page) == 3


def test_updating_a_product_that_is_not_in_the_cart(forms, client, filled, create_product):
    other = create_product(name="Autre")
    forms.post("/cart/update", {"product_id": other.id, "quantity": 2})
    page = client.get("/cart").get_data(as_text=True)
    assert "« Autre » n’est pas dans votre panier." in page
    assert badge(page) == 3


def test_a_tampered_session_cookie_gives_an_empty_cart_not_an_error(app, client, filled):
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value[:-3] + "xyz")
    response = client.get("/cart")
    assert response.status_code == 200
    assert badge(response.get_data(as_text=True)) == 0


def test_a_malformed_cart_in_a_signed_session_is_ignored(client, create_product):
    guide = create_product(name="Guide")
    with client.session_transaction() as session:
        session["cart"] = {"abc": 1, str(guide.id): "2", "7": -3, "8": None}
    page = client.get("/cart").get_data(as_text=True)
    assert badge(page) == 2
    with client.session_transaction() as session:
        session["cart"] = "not a dict"
    assert client.get("/cart").status_code == 200


def test_get_on_a_cart_action_is_not_allowed(client):
    response = client.get("/cart/add")
    assert response.status_code == 405
