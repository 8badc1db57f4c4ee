"""Products give what the owner says and no more: a new product grants nothing until ticked,
a one-time product opens the paid articles only when the owner confirms it is for life, a
paywall sells only what opens the article, archiving says which articles lose their offer,
and a personal file or key is bought once."""

import re

import sqlalchemy as sa

from store.articles.models import Article
from store.catalog.models import Billing, Product


def product_data(**overrides):
    return {
        "name": "Le petit guide",
        "slug": "",
        "short_description": "Un e-book.",
        "description": "",
        "headline": "",
        "price": "2",
        "currency": "EUR",
        "billing": "one_time",
        "active": "y",
        "position": "5",
        **overrides,
    }


def checkbox(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)


def test_a_new_product_opens_with_nothing_granted(client, admin):
    page = client.get("/admin/products/new").get_data(as_text=True)
    for name in ("grants_articles", "grants_download", "grants_access_key", "lifetime_articles"):
        assert "checked" not in checkbox(page, name), name


def test_a_product_saved_with_the_defaults_grants_nothing(db, forms, admin):
    assert forms.post("/admin/products/new", product_data()).status_code == 303
    product = db.session.scalar(sa.select(Product))
    assert not (product.grants_articles or product.grants_download or product.grants_access_key)


def test_a_one_time_product_opens_the_articles_only_when_confirmed_for_life(db, forms, admin):
    refused = forms.post("/admin/products/new", product_data(grants_articles="y"))
    assert refused.status_code == 400
    assert "ouvre pour toujours" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 0
    confirmed = forms.post(
        "/admin/products/new", product_data(grants_articles="y", lifetime_articles="y")
    )
    assert confirmed.status_code == 303
    product = db.session.scalar(sa.select(Product))
    assert product.grants_articles
    # saved again as it is, the confirmation stands (the form comes back ticked)
    page = forms.client.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert "checked" in checkbox(page, "lifetime_articles")
    # a subscription needs no confirmation
    monthly = forms.post(
        "/admin/products/new", product_data(name="Mensuel", billing="month", grants_articles="y")
    )
    assert monthly.status_code == 303


def article_data(**overrides):
    return {
        "title": "Réservé",
        "slug": "",
        "category_id": "",
        "new_category": "Actualités",
        "excerpt": "",
        "body": "Un paragraphe.",
        "offer_id": "0",
        "published_at": "",
        **overrides,
    }


def test_a_paywall_sells_only_what_opens_the_article(db, forms, admin, create_product):
    ebook = create_product(name="E-book", billing=Billing.ONE_TIME)
    other = create_product(name="Autre", billing=Billing.MONTHLY, grants_articles=True)
    plan = create_product(name="Mensuel", billing=Billing.MONTHLY, grants_articles=True)
    for offer, listed in [(ebook, []), (other, [plan.id])]:
        response = forms.post(
            "/admin/articles/new",
            article_data(subscribers_only="y", offer_id=str(offer.id), access_product_ids=listed),
        )
        assert response.status_code == 400, offer.name
        assert f"« {offer.name} » n’ouvre pas cet article" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0
    opens = forms.post(
        "/admin/articles/new",
        article_data(subscribers_only="y", offer_id=str(plan.id), access_product_ids=[plan.id]),
    )
    assert opens.status_code == 303
    # an article open to all may embed any offer
    category = db.session.scalar(sa.select(Article.category_id))
    free = forms.post(
        "/admin/articles/new",
        article_data(
            title="Libre", new_category="", category_id=str(category), offer_id=str(ebook.id)
        ),
    )
    assert free.status_code == 303


def test_archiving_says_which_articles_lose_their_offer(
    forms, admin, create_product, create_article
):
    guide = create_product(name="Guide PDF")
    for number in range(7):
        create_article(title=f"Article {number}", offer=guide)
    page = forms.post(f"/admin/products/{guide.id}/archive").get_data(as_text=True)
    assert "7 articles l’intègrent comme offre et n’en montreront plus" in page
    assert "Article 6" in page and "Article 0" not in page  # the newest five, then …


def test_a_personal_file_or_key_is_bought_once(db, forms, create_product):
    guide = create_product(name="Guide PDF", grants_download=True)
    key = create_product(name="Clé", grants_access_key=True)
    ebook = create_product(name="Livre papier")
    for product in (guide, key):
        forms.post("/cart/add", {"product_id": product.id, "quantity": 3})
        again = forms.post("/cart/add", {"product_id": product.id}, follow_redirects=True)
        assert "est déjà dans votre panier" in again.get_data(as_text=True)
        more = forms.post(
            "/cart/update", {"product_id": product.id, "quantity": 2}, follow_redirects=True
        )
        assert "une suffit" in more.get_data(as_text=True)
    forms.post("/cart/add", {"product_id": ebook.id, "quantity": 3})
    cart = forms.client.get("/cart").get_data(as_text=True)
    assert f'id="qty-{ebook.id}"' in cart  # other products keep their quantity field
    assert f'id="qty-{guide.id}"' not in cart and f'id="qty-{key.id}"' not in cart
