"""Products in the back office: CRUD, prices as typed in French, slugs, archive, Stripe."""

import html
import json
import re

import pytest
import sqlalchemy as sa

from store.admin.services import PriceError, parse_price, slugify
from store.catalog.models import Billing, Product


@pytest.mark.parametrize(
    "typed, cents",
    [
        ("7", 700),
        ("7,00", 700),
        ("7.00", 700),
        ("7,5", 750),
        ("1 234,56", 123456),
        ("0", 0),
        ("9 €", 900),
        ("999999,99", 99999999),
    ],
)
def test_prices_are_read_as_typed(typed, cents):
    assert parse_price(typed) == cents


@pytest.mark.parametrize("typed", ["-1", "abc", "1e9", "", "7,001", "1000000", "7,,0", "NaN"])
def test_bad_prices_are_refused(typed):
    with pytest.raises(PriceError):
        parse_price(typed)


def test_slugs_drop_accents():
    assert slugify("Accès à Claude : l’offre") == "acces-a-claude-l-offre"


def product_data(**overrides):
    return {
        "name": "Accès à Claude",
        "slug": "",
        "short_description": "Claude, tout de suite.",
        "description": "",
        "headline": "",
        "price": "9",
        "currency": "EUR",
        "billing": "month",
        "active": "y",
        "position": "5",
        **overrides,
    }


def test_create_a_product_and_see_it_in_the_shop(db, client, forms, admin):
    response = forms.post("/admin/products/new", product_data())
    assert response.status_code == 303
    product = db.session.scalar(sa.select(Product))
    assert (product.slug, product.price_cents, product.billing) == (
        "acces-a-claude",
        900,
        Billing.MONTHLY,
    )
    assert "9,00\xa0€ / mois" in client.get("/shop").get_data(as_text=True)


def test_slugs_are_unique(db, forms, admin, create_product):
    create_product(name="Existant", slug="acces-a-claude")
    forms.post("/admin/products/new", product_data())
    slugs = set(db.session.scalars(sa.select(Product.slug)))
    assert slugs == {"acces-a-claude", "acces-a-claude-2"}

    taken = forms.post("/admin/products/new", product_data(slug="acces-a-claude"))
    assert taken.status_code == 400
    assert "Un autre produit utilise déjà ce slug." in taken.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["-1", "abc", "1e9"])
def test_a_bad_price_is_explained_and_nothing_is_saved(db, forms, admin, typed):
    response = forms.post("/admin/products/new", product_data(price=typed))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Indiquez un prix comme 7 ou 7,00" in page
    assert 'value="Accès à Claude"' in page  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 0


def test_edit_shows_the_price_in_french_and_saves_changes(db, client, forms, admin, create_product):
    product = create_product(name="Guide", price_cents=1900)
    page = client.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert 'value="19,00"' in page
    forms.post(
        f"/admin/products/{product.id}",
        product_data(name="Guide 2e édition", price="24,50", billing="one_time"),
    )
    db.session.refresh(product)
    assert (product.name, product.price_cents) == ("Guide 2e édition", 2450)


def price_label(page: str) -> str:
    return page.split('<label for="price">')[1].split("</label>")[0]


def test_the_price_label_names_the_products_currency(client, forms, admin, create_product):
    assert price_label(client.get("/admin/products/new").get_data(as_text=True)) == "Prix (€)"
    dollars = create_product(name="Offre US", currency="USD")
    pounds = create_product(name="Offre UK", currency="GBP")
    page = client.get(f"/admin/products/{dollars.id}").get_data(as_text=True)
    assert price_label(page) == "Prix ($US)"
    assert price_label(client.get(f"/admin/products/{pounds.id}").get_data(as_text=True)) == (
        "Prix (£GB)"
    )
    # the select carries every label, for the page's script to follow a change
    select = re.search(r'<select[^>]*name="currency"[^>]*>', page).group(0)
    assert 'data-price-input="price"' in select
    labels = json.loads(html.unescape(re.search(r'data-price-labels="([^"]*)"', select)[1]))
    assert labels == {
        "EUR": "Prix (€)",
        "USD": "Prix ($US)",
        "GBP": "Prix (£GB)",
        "CHF": "Prix (CHF)",
    }
    assert '<script src="/static/js/product-form.js?v=' in page

    # a refused form shows the label of the currency just chosen
    refused = forms.post("/admin/products/new", product_data(price="abc", currency="CHF"))
    assert price_label(refused.get_data(as_text=True)) == "Prix (CHF)"

    english = client.get(f"/en/admin/products/{dollars.id}").get_data(as_text=True)
    assert price_label(english) == "Price ($)"


def test_archive_asks_first_then_hides_the_product(db, client, forms, admin, create_product):
    product = create_product(name="Ancienne offre", slug="ancienne")
    asked = forms.post(f"/admin/products/{product.id}/archive")
    assert asked.status_code == 200
    assert "Archiver « Ancienne offre » ?" in asked.get_data(as_text=True)
    db.session.refresh(product)
    assert product.active

    done = forms.post(f"/admin/products/{product.id}/archive", {"confirmed": "yes"})
    db.session.refresh(product)
    assert not product.active
    assert "« Ancienne offre » est archivé." in client.get(done.headers["Location"]).get_data(
        as_text=True
    )
    assert "Ancienne offre" not in client.get("/shop").get_data(as_text=True)

    forms.post(f"/admin/products/{product.id}/restore")
    db.session.refresh(product)
    assert product.active


def test_a_product_with_orders_is_never_deleted(db, forms, admin, create_product):
    from store.orders.models import Order, OrderLine

    sold = create_product(name="Vendu")
    db.session.add(
        Order(
            number="GA-SOLD0001",
            email="a@b.c",
            currency="EUR",
            total_cents=700,
            mode="payment",
            lines=[
                OrderLine(
                    product_id=sold.id,
                    title="Vendu",
                    unit_price_cents=700,
                    currency="EUR",
                    quantity=1,
                )
            ],
        )
    )
    db.session.commit()
    forms.post(f"/admin/products/{sold.id}/delete", {"confirmed": "yes"})
    assert db.session.get(Product, sold.id) is not None

    unsold = create_product(name="Jamais vendu")
    forms.post(f"/admin/products/{unsold.id}/delete", {"confirmed": "yes"})
    unsold_id = unsold.id
    db.session.expire_all()
    assert db.session.get(Product, unsold_id) is None


def test_list_searches_filters_and_paginates(client, admin, create_product):
    for number in range(25):
        create_product(name=f"Offre {number:02d}", active=number % 5 != 0)
    page = client.get("/admin/products").get_data(as_text=True)
    assert "Offre 00" in page and "Offre 24" not in page and "Page 1 sur 2" in page
    assert "Offre 24" in client.get("/admin/products?page=2").get_data(as_text=True)
    found = client.get("/admin/products?q=offre 1").get_data(as_text=True)
    assert "Offre 12" in found and "Offre 02" not in found
    archived = client.get("/admin/products?status=archived").get_data(as_text=True)
    assert "Offre 05" in archived and "Offre 06" not in archived


def test_saving_syncs_with_stripe_and_a_price_change_makes_a_new_price(db, forms, admin, payments):
    forms.post("/admin/products/new", product_data())
    product = db.session.scalar(sa.select(Product))
    first_price = product.stripe_price_id
    assert product.stripe_product_id.startswith("prod_")
    assert payments.get(first_price)["unit_amount"] == 900
    assert payments.get(first_price)["recurring"]["interval"] == "month"

    forms.post(f"/admin/products/{product.id}", product_data(price="12"))
    db.session.refresh(product)
    assert product.stripe_price_id != first_price
    assert payments.get(product.stripe_price_id)["unit_amount"] == 1200
    assert payments.get(first_price)["active"] is False  # subscribers keep it, nobody new

    forms.post(f"/admin/products/{product.id}", product_data(price="12", name="Claude Pro"))
    db.session.refresh(product)
    assert payments.get(product.stripe_product_id)["name"] == "Claude Pro"
    assert len(payments.list_objects("price")) == 2  # a name change needs no new price


def test_a_stripe_failure_still_saves_and_says_how_to_retry(db, client, forms, admin, payments):
    payments.fail_next("POST", "/v1/products", status=500)
    response = forms.post("/admin/products/new", product_data())
    assert response.status_code == 303
    product = db.session.scalar(sa.select(Product))
    assert product.name == "Accès à Claude" and product.stripe_price_id is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Le produit est enregistré, mais Stripe n’a pas pu être mis à jour" in page
    assert "Synchroniser avec Stripe" in page

    forms.post(f"/admin/products/{product.id}/sync")
    db.session.refresh(product)
    assert product.stripe_price_current


def test_sync_stripe_command(db, runner, payments, create_product):
    create_product(name="A", billing=Billing.MONTHLY)
    create_product(name="B", billing=Billing.YEARLY, price_cents=7000)
    result = runner.invoke(args=["store", "sync-stripe"])
    assert result.exit_code == 0, result.output
    products = db.session.scalars(sa.select(Product)).all()
    assert all(p.stripe_price_current for p in products)
    intervals = sorted(payments.get(p.stripe_price_id)["recurring"]["interval"] for p in products)
    assert intervals == ["month", "year"]

    payments.fail_next("POST", "/v1/products", status=500)
    create_product(name="C")
    failed = runner.invoke(args=["store", "sync-stripe"])
    assert failed.exit_code == 1 and "run it again" in failed.output


def banner(client) -> str:
    return client.get("/").get_data(as_text=True).split('class="banner"')[1].split("</section>")[0]


def first_in_shop(client) -> str:
    shop = client.get("/shop").get_data(as_text=True)
    return re.search(r'class="product-title"><a [^>]*>([^<]*)</a>', shop)[1]


def test_a_new_product_goes_last_and_leaves_the_banner_alone(db, client, forms, admin, seeded):
    assert "Accès à GPT 4 dès aujourd&#39;hui pour 7€" in banner(client)
    assert "Accès à GPT 4" in first_in_shop(client)
    response = forms.post(
        "/admin/products/new",
        product_data(position="", headline="Claude dès aujourd'hui pour 9€"),
    )
    assert response.status_code == 303
    claude = db.session.scalar(sa.select(Product).where(Product.slug == "acces-a-claude"))
    positions = db.session.scalars(sa.select(Product.position).where(Product.id != claude.id))
    assert claude.position > max(positions)
    assert "Accès à GPT 4 dès aujourd&#39;hui pour 7€" in banner(client)
    assert "Claude" not in banner(client)
    assert "Accès à GPT 4" in first_in_shop(client)
    assert "Accès à Claude" in client.get("/shop").get_data(as_text=True)

    # A position typed by the admin is kept: 0 puts the product first in the shop.
    forms.post("/admin/products/new", product_data(name="En tête", position="0"))
    assert "En tête" in first_in_shop(client)
    assert "Accès à GPT 4 dès aujourd&#39;hui pour 7€" in banner(client)


def test_the_admin_chooses_the_banner_offer(db, client, forms, admin, seeded):
    guide = db.session.scalar(sa.select(Product).where(Product.slug == "guide-prompts-gpt-4"))
    edit = client.get(f"/admin/products/{guide.id}").get_data(as_text=True)
    assert "Offre mise en avant : affichée dans le bandeau de la page d’accueil" in edit
    forms.post(
        f"/admin/products/{guide.id}",
        product_data(
            name=guide.name,
            slug=guide.slug,
            price="19",
            billing="one_time",
            headline="Le guide des prompts pour 19€",
            featured="y",
            grants_download="y",
        ),
    )
    assert "Le guide des prompts pour 19€" in banner(client)
    assert "Accès à GPT 4" not in banner(client)
    featured = list(db.session.scalars(sa.select(Product.slug).where(Product.featured)))
    assert featured == ["guide-prompts-gpt-4"]  # the previous one is no longer featured
    listing = client.get("/admin/products").get_data(as_text=True)
    row = listing.split(">Guide pratique des prompts GPT 4</a>")[1].split("</tr>")[0]
    assert "Offre mise en avant" in row and listing.count("Offre mise en avant</span>") == 1

    # Archived, it leaves the banner to the first offer with a sales headline.
    forms.post(f"/admin/products/{guide.id}/archive", {"confirmed": "yes"})
    assert "Accès à GPT 4 dès aujourd&#39;hui pour 7€" in banner(client)


def test_the_database_refuses_two_featured_products(db, create_product):
    create_product(featured=True)
    with pytest.raises(sa.exc.IntegrityError):
        create_product(featured=True)
    db.session.rollback()
    create_product(featured=False)  # any number of products are not featured
