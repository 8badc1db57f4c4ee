"""The shop pages and how prices read."""

import pytest

from store.catalog.models import Billing, Product
from store.money import format_money, format_price


def test_shop_lists_active_products_with_french_prices(client, seeded):
    page = client.get("/shop").get_data(as_text=True)
    assert "Accès à GPT 4" in page
    assert "7,00\xa0€ / mois" in page
    assert "70,00\xa0€ / an" in page
    assert "19,00\xa0€" in page
    assert page.count('action="/cart/add"') == 3


def test_archived_products_are_not_in_the_shop(db, client, create_product):
    create_product(name="Visible")
    create_product(name="Archivé", slug="archive", active=False)
    page = client.get("/shop").get_data(as_text=True)
    assert "Visible" in page and "Archivé" not in page
    assert client.get("/shop/archive").status_code == 404


def test_product_page(client, seeded):
    page = client.get("/shop/acces-gpt-4-annuel").get_data(as_text=True)
    assert "<h1>Accès à GPT 4 — annuel</h1>" in page
    assert "70,00\xa0€ / an" in page
    assert client.get("/shop/does-not-exist").status_code == 404


@pytest.mark.parametrize(
    "cents, billing, expected",
    [
        (700, Billing.MONTHLY, "7,00\xa0€ / mois"),
        (7000, Billing.YEARLY, "70,00\xa0€ / an"),
        (1900, Billing.ONE_TIME, "19,00\xa0€"),
        (123456, Billing.ONE_TIME, "1\u202f234,56\xa0€"),
        (5, Billing.ONE_TIME, "0,05\xa0€"),
    ],
)
def test_price_formatting(app, cents, billing, expected):
    with app.test_request_context():
        product = Product(price_cents=cents, currency="EUR", billing=billing)
        assert format_price(product) == expected


def test_money_never_goes_through_floats(app):
    with app.test_request_context():
        assert format_money(1999999999) == "19\u202f999\u202f999,99\xa0€"
