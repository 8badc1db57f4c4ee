"""The shop pages and how prices read."""

import pytest

from store.catalog.models import Billing, Product
from store.money import format_money, format_price
from tests.security.pages import injected_markup, shows


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


def product_description(page: str) -> str:
    return page.split('<div class="product-description">')[1].split("</div>")[0]


def test_a_product_description_reads_as_markdown(client, create_product):
    create_product(
        slug="guide",
        description=(
            "Un **guide** complet, *mis à jour* chaque mois.\r\n\r\n"
            "Deux parties :\n\n- les bases\n- les prompts avancés\n\n"
            "[Le sommaire](https://example.org/sommaire)"
        ),
    )
    description = product_description(client.get("/shop/guide").get_data(as_text=True))
    assert "<p>Un <strong>guide</strong> complet, <em>mis à jour</em> chaque mois.</p>" in (
        description
    )
    assert "**" not in description
    assert "<p>Deux parties :</p>" in description
    assert "<li>les bases</li>" in description and "<li>les prompts avancés</li>" in description
    assert (
        '<a href="https://example.org/sommaire" rel="noopener noreferrer nofollow">'
        "Le sommaire</a>" in description
    )


def test_a_product_description_cannot_carry_a_script(client, create_product):
    attacks = [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="https://example.org" onclick="alert(1)">un lien</a>',
        "[un lien](javascript:alert(1))",
        "[un autre](JaVaScRiPt:alert(1))",
        "![une image](javascript:alert(1))",
        "[des données](data:text/html,<script>alert(1)</script>)",
        "<p onmouseover=alert(1)>survol</p>",
    ]
    create_product(slug="piege", description="\n\n".join(attacks))
    page = client.get("/shop/piege").get_data(as_text=True)
    assert injected_markup(page) == []
    description = product_description(page)
    assert "<script" not in description and "<img" not in description
    assert 'href="javascript' not in description.lower() and "<a " not in description
    assert shows(page, "<script>alert(1)</script>")  # shown as the text it is


@pytest.mark.parametrize(
    "cents, billing, expected",
    [
        (700, Billing.MONTHLY, "7,00\xa0€ / mois TTC"),
        (7000, Billing.YEARLY, "70,00\xa0€ / an TTC"),
        (1900, Billing.ONE_TIME, "19,00\xa0€ TTC"),
        (123456, Billing.ONE_TIME, "1\u202f234,56\xa0€ TTC"),
        (5, Billing.ONE_TIME, "0,05\xa0€ TTC"),
    ],
)
def test_price_formatting(app, cents, billing, expected):
    with app.test_request_context():
        product = Product(price_cents=cents, currency="EUR", billing=billing)
        assert format_price(product) == expected


def test_money_never_goes_through_floats(app):
    with app.test_request_context():
        assert format_money(1999999999) == "19\u202f999\u202f999,99\xa0€"
