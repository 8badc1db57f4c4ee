"""The session cart as a visitor uses it: add, update, remove, clear, and the rules."""

import re

import pytest

from store.catalog.models import Billing


def badge(page: str) -> int:
    return int(re.search(r'data-testid="cart-count">(\d+)<', page).group(1))


@pytest.fixture
def monthly(create_product):
    return create_product(
        name="Accès à GPT 4", slug="acces-gpt-4", price_cents=700, billing=Billing.MONTHLY
    )


@pytest.fixture
def yearly(create_product):
    return create_product(name="Accès annuel", price_cents=7000, billing=Billing.YEARLY)


def test_adding_an_offer_shows_it_in_the_badge_side_cart_and_cart_page(forms, client, monthly):
    response = forms.post("/cart/add", {"product_id": monthly.id, "next": "/shop"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/shop"

    page = client.get("/shop").get_data(as_text=True)
    assert "« Accès à GPT 4 » a été ajouté à votre panier." in page
    assert badge(page) == 1
    side_cart = page.split('class="side-cart-panel"')[1].split("</details>")[0]
    assert "Accès à GPT 4" in side_cart
    assert "7,00\xa0€ / mois" in side_cart

    cart_page = client.get("/cart").get_data(as_text=True)
    assert "Accès à GPT 4" in cart_page
    assert "7,00\xa0€ / mois" in cart_page


def test_a_subscription_is_in_the_cart_once(forms, client, monthly):
    forms.post("/cart/add", {"product_id": monthly.id})
    forms.post("/cart/add", {"product_id": monthly.id, "quantity": 3})
    page = client.get("/cart").get_data(as_text=True)
    assert "« Accès à GPT 4 » est déjà dans votre panier." in page
    assert badge(page) == 1


def test_a_subscription_quantity_cannot_be_raised(forms, client, monthly):
    forms.post("/cart/add", {"product_id": monthly.id})
    forms.post("/cart/update", {"product_id": monthly.id, "quantity": 2})
    page = client.get("/cart").get_data(as_text=True)
    assert "Un abonnement ne peut être qu’une seule fois dans votre panier." in page
    assert badge(page) == 1


def test_monthly_and_yearly_plans_cannot_be_mixed(forms, client, monthly, yearly):
    forms.post("/cart/add", {"product_id": monthly.id})
    forms.post("/cart/add", {"product_id": yearly.id})
    page = client.get("/cart").get_data(as_text=True)
    assert "mensuelles et annuelles ne peuvent pas être dans le même panier" in page
    assert "Accès annuel" not in page.split('class="cart-table"')[1]
    assert badge(page) == 1


def test_one_time_products_mix_with_a_subscription_and_totals_add_up(forms, client, monthly, guide):
    forms.post("/cart/add", {"product_id": monthly.id})
    forms.post("/cart/add", {"product_id": guide.id, "quantity": 2})
    page = client.get("/cart").get_data(as_text=True)
    assert badge(page) == 3
    assert "38,00\xa0€" in page  # the guide's line: 2 × 19 €
    assert "45,00\xa0€" in page  # the total: 7 € + 38 €


def cart_totals(page: str) -> str:
    """The text under the cart's lines, as a visitor reads it."""
    footer = page.split("<tfoot>")[1].split("</tfoot>")[0]
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", footer)).strip()


def test_the_cart_shows_what_is_paid_today_apart_from_what_renews(forms, client, monthly, guide):
    forms.post("/cart/add", {"product_id": monthly.id})
    forms.post("/cart/add", {"product_id": guide.id, "quantity": 3})
    totals = cart_totals(client.get("/cart").get_data(as_text=True))
    # Today: the first month and the three guides; then only the subscription renews.
    assert totals == (
        "À payer aujourd’hui : 64,00\xa0€ TTC dont TVA (20\xa0%) : 10,67\xa0€ "
        "Puis 7,00\xa0€ / mois TTC"
    )


def test_a_yearly_plan_renews_per_year(forms, client, yearly, guide):
    forms.post("/cart/add", {"product_id": guide.id})
    forms.post("/cart/add", {"product_id": yearly.id})
    totals = cart_totals(client.get("/cart").get_data(as_text=True))
    assert totals == (
        "À payer aujourd’hui : 89,00\xa0€ TTC dont TVA (20\xa0%) : 14,83\xa0€ "
        "Puis 70,00\xa0€ / an TTC"
    )


def test_a_cart_without_subscription_has_no_renewal_line(forms, client, guide):
    forms.post("/cart/add", {"product_id": guide.id, "quantity": 2})
    totals = cart_totals(client.get("/cart").get_data(as_text=True))
    assert totals == "À payer aujourd’hui : 38,00\xa0€ TTC dont TVA (20\xa0%) : 6,33\xa0€"


def test_quantities_are_capped(app, forms, client, guide):
    forms.post("/cart/add", {"product_id": guide.id, "quantity": 8})
    forms.post("/cart/add", {"product_id": guide.id, "quantity": 8})
    page = client.get("/cart").get_data(as_text=True)
    assert badge(page) == app.config["CART_MAX_QUANTITY"] == 10
    assert "Vous pouvez acheter au plus 10 « Guide PDF »" in page


def test_update_changes_the_quantity_and_zero_removes_the_line(forms, client, guide):
    forms.post("/cart/add", {"product_id": guide.id})
    forms.post("/cart/update", {"product_id": guide.id, "quantity": 4})
    page = client.get("/cart").get_data(as_text=True)
    assert badge(page) == 4
    assert "76,00\xa0€" in page

    forms.post("/cart/update", {"product_id": guide.id, "quantity": 0})
    page = client.get("/cart").get_data(as_text=True)
    assert badge(page) == 0
    assert "Votre panier est vide" in page


def test_remove_and_clear(forms, client, monthly, guide):
    forms.post("/cart/add", {"product_id": monthly.id})
    forms.post("/cart/add", {"product_id": guide.id})
    forms.post("/cart/remove", {"product_id": monthly.id})
    page = client.get("/cart").get_data(as_text=True)
    assert "« Accès à GPT 4 » a été retiré de votre panier." in page
    assert badge(page) == 1

    forms.post("/cart/clear")
    page = client.get("/cart").get_data(as_text=True)
    assert "Votre panier a été vidé." in page
    assert badge(page) == 0
    assert 'href="/shop">Retour à la boutique<' in page


def test_prices_and_names_come_from_the_database(db, forms, client, guide):
    forms.post("/cart/add", {"product_id": guide.id})
    guide.price_cents = 2500
    guide.name = "Guide PDF, 2e édition"
    db.session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert "Guide PDF, 2e édition" in page
    assert "25,00\xa0€" in page


def test_an_archived_product_is_dropped_with_a_notice(db, forms, client, monthly, guide):
    forms.post("/cart/add", {"product_id": monthly.id})
    forms.post("/cart/add", {"product_id": guide.id})
    monthly.active = False
    db.session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert "« Accès à GPT 4 » n’est plus disponible et a été retiré de votre panier." in page
    assert badge(page) == 1
    # The notice is given once: the session no longer holds the product.
    assert "n’est plus disponible" not in client.get("/cart").get_data(as_text=True)


def test_a_deleted_product_is_dropped_with_a_notice(db, forms, client, guide):
    forms.post("/cart/add", {"product_id": guide.id})
    db.session.delete(guide)
    db.session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert "Un produit qui n’existe plus a été retiré de votre panier." in page
    assert badge(page) == 0


def test_an_archived_product_cannot_be_added(db, forms, client, guide):
    guide.active = False
    db.session.commit()
    forms.post("/cart/add", {"product_id": guide.id})
    page = client.get("/cart").get_data(as_text=True)
    assert "« Guide PDF » n’est plus disponible." in page
    assert badge(page) == 0


def test_next_only_redirects_inside_the_site(forms, guide):
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]:
        response = forms.post("/cart/add", {"product_id": guide.id, "next": target})
        assert response.status_code == 303
        assert response.headers["Location"] == "/cart", target


def test_adding_the_offer_of_an_article_comes_back_to_the_offer(
    forms, client, create_article, monthly
):
    article = create_article(offer=monthly)
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    offer = page.split('<aside class="offer" id="offer"')[1].split("</aside>")[0]
    assert f'name="next" value="/articles/{article.slug}#offer"' in offer
    assert "Dans votre panier" not in offer

    response = forms.post(
        "/cart/add", {"product_id": monthly.id, "next": f"/articles/{article.slug}#offer"}
    )
    assert response.headers["Location"] == f"/articles/{article.slug}#offer"
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    offer = page.split('<aside class="offer" id="offer"')[1].split("</aside>")[0]
    assert "Dans votre panier" in offer and 'href="/cart"' in offer


def test_adding_from_the_shop_comes_back_to_the_product_s_card(forms, client, monthly, guide):
    page = client.get("/shop").get_data(as_text=True)
    card = page.split('id="product-acces-gpt-4"')[1].split("</article>")[0]
    assert 'name="next" value="/shop#product-acces-gpt-4"' in card

    forms.post("/cart/add", {"product_id": monthly.id, "next": "/shop#product-acces-gpt-4"})
    page = client.get("/shop").get_data(as_text=True)
    card = page.split('id="product-acces-gpt-4"')[1].split("</article>")[0]
    assert "Dans votre panier" in card
    other = page.split(f'id="product-{guide.slug}"')[1].split("</article>")[0]
    assert "Dans votre panier" not in other
