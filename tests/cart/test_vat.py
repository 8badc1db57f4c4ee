"""Prices are VAT included: shoppers read "TTC" next to every price, and the cart says how much
VAT its total holds, at the rate the back office sets."""

import re

import pytest
import sqlalchemy as sa

from store.settings.models import Setting
from store.settings.services import get_setting, stripe_automatic_tax, vat_rate

ARTICLE_URL = "/articles/differend-openai-elon-musk-blague-proces"


def text(html: str) -> str:
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def cart_totals(page: str) -> str:
    return text(page.split('class="cart-total">')[1].split("</td>")[0])


def side_cart(page: str) -> str:
    return text(page.split('class="side-cart-panel"')[1].split("</details>")[0])


def test_every_price_a_shopper_reads_says_vat_included(client, forms, seeded):
    home = client.get("/").get_data(as_text=True)
    banner = text(home.split('class="banner"')[1].split("</section>")[0])
    assert "7,00\xa0€ / mois TTC" in banner  # the featured offer

    article = client.get(ARTICLE_URL).get_data(as_text=True)
    offer = article.split('class="offer"')[1].split("</aside>")[0]
    assert "7,00\xa0€ / mois TTC" in text(offer)

    shop = client.get("/shop").get_data(as_text=True)
    cards = [text(card) for card in shop.split('class="card product-card"')[1:]]
    assert cards and all(" TTC" in card for card in cards)
    assert any("19,00\xa0€ TTC" in card for card in cards)

    product = client.get("/shop/acces-gpt-4").get_data(as_text=True)
    assert "7,00\xa0€ / mois TTC" in text(product.split('class="price price-large"')[1])

    offer_id = re.search(r'name="product_id" value="(\d+)"', offer).group(1)
    forms.post("/cart/add", {"product_id": offer_id})
    page = client.get("/cart").get_data(as_text=True)
    assert "7,00\xa0€ / mois TTC" in side_cart(page)
    assert "Total 7,00\xa0€ TTC" in side_cart(page)
    assert cart_totals(page) == (
        "À payer aujourd’hui : 7,00\xa0€ TTC dont TVA (20\xa0%) : 1,17\xa0€ "
        "Puis 7,00\xa0€ / mois TTC"
    )


def test_the_cart_speaks_of_vat_in_english(client, forms, guide):
    forms.post("/en/cart/add", {"product_id": guide.id})
    page = client.get("/en/cart").get_data(as_text=True)
    assert cart_totals(page) == "Due today: €19.00 incl. VAT of which VAT (20%): €3.17"
    assert "€19.00 incl. VAT" in side_cart(page)
    assert "€19.00 incl. VAT" in client.get("/en/shop").get_data(as_text=True)


def settings_form(**changes) -> dict:
    return {"grace_period_days": "7", "vat_rate": "20", **changes}


def test_the_admin_sets_the_vat_rate_the_cart_uses(db, admin, client, guide):
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Taux de TVA (%)" in page and 'value="20"' in page
    assert '<input id="stripe_automatic_tax"' in page  # Stripe Tax off by default

    response = admin.post("/admin/settings", settings_form(vat_rate="5,5"))
    assert response.status_code == 303
    assert get_setting("vat_rate") == "5.5"  # stored as text, the French comma read as a point
    assert 'value="5.5"' in client.get("/admin/settings").get_data(as_text=True)

    admin.post("/cart/add", {"product_id": guide.id})
    # 19 € incl. 5.5 %: 1900 − round(1900 × 100 / 105.5) = 1900 − 1801
    assert "dont TVA (5,5\xa0%) : 0,99\xa0€" in cart_totals(
        client.get("/cart").get_data(as_text=True)
    )


@pytest.mark.parametrize("typed", ["abc", "150", "-1", "20.555", "1e2", "NaN", "", "20 %"])
def test_a_vat_rate_out_of_range_or_not_a_number_is_refused_with_a_message(db, admin, typed):
    response = admin.post("/admin/settings", settings_form(vat_rate=typed, grace_period_days="3"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    message = "Saisissez le taux de TVA." if typed == "" else "Saisissez un taux de 0 à 100"
    assert message in page
    # Nothing of the refused form is saved.
    assert db.session.scalars(sa.select(Setting)).all() == []
    assert vat_rate() == 20


@pytest.mark.parametrize(
    "typed, stored", [("0", "0"), ("100", "100"), ("20.00", "20"), ("2,1", "2.1")]
)
def test_rates_from_0_to_100_with_two_decimals_are_accepted(db, admin, typed, stored):
    assert admin.post("/admin/settings", settings_form(vat_rate=typed)).status_code == 303
    assert get_setting("vat_rate") == stored


def test_the_admin_turns_stripe_tax_on_and_off(db, admin, client):
    admin.post("/admin/settings", settings_form(stripe_automatic_tax="y"))
    assert stripe_automatic_tax() is True
    assert '<input checked id="stripe_automatic_tax"' in client.get("/admin/settings").get_data(
        as_text=True
    )
    admin.post("/admin/settings", settings_form())  # an unticked box is left out
    assert stripe_automatic_tax() is False
