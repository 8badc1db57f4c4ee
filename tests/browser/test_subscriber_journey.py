"""A visitor meets the paywall, subscribes through the Stripe double, reads the whole article,
then switches the site to English."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from store.articles.models import Article
from store.catalog.models import Product
from tests.browser.conftest import tick_checkout_boxes

ARTICLE_URL = "/articles/differend-openai-elon-musk-blague-proces"
LAST_SENTENCE = "l’avenir de l’IA et de son accessibilité à tous reste incertain"


@pytest.fixture
def paywalled(db, seeded):
    """The demo article, reserved for subscribers to the monthly offer."""
    article = db.session.scalar(sa.select(Article))
    article.subscribers_only = True
    article.access_products = [db.session.scalar(sa.select(Product).filter_by(slug="acces-gpt-4"))]
    db.session.commit()
    return article


def test_paywall_subscribe_read_then_english(page, live_server, payments, paywalled, screenshot):
    payments.webhook_url = f"{live_server}/stripe/webhook"

    page.goto(ARTICLE_URL)
    expect(page.locator(".paywall")).to_contain_text("Cet article est réservé aux abonnés")
    expect(page.locator(".article-body")).to_contain_text("Depuis sa création en 2015")
    expect(page.locator("main")).not_to_contain_text(LAST_SENTENCE)
    assert LAST_SENTENCE not in page.content()  # not hidden: absent
    screenshot("paywall")

    page.locator("aside.offer").get_by_role("button").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    page.goto("/cart")
    tick_checkout_boxes(page)
    page.get_by_role("button", name="Payer avec Stripe").click()
    expect(page).to_have_url(f"{live_server}/account/login?next=/cart")
    page.get_by_role("link", name="Créez-en un").click()
    page.get_by_label("E-mail").fill("abonnee@example.org")
    page.get_by_label("Mot de passe", exact=True).fill("un mot de passe solide")
    page.get_by_label("Confirmez le mot de passe").fill("un mot de passe solide")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(f"{live_server}/cart")
    tick_checkout_boxes(page)
    page.get_by_role("button", name="Payer avec Stripe").click()
    page.wait_for_url(f"{payments.base_url}/pay/**")
    page.get_by_role("button", name="Payer").click()
    page.wait_for_url(f"{live_server}/checkout/success?session_id=*")
    expect(page.locator("h1")).to_contain_text("Votre commande est confirmée")

    page.goto(ARTICLE_URL)
    expect(page.locator(".article-body")).to_contain_text(LAST_SENTENCE)
    expect(page.locator(".paywall")).to_have_count(0)
    screenshot("article-unlocked")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{live_server}/en{ARTICLE_URL}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".article-body")).to_contain_text(LAST_SENTENCE)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Shop").click()
    page.locator("article.product-card", has_text="Guide").get_by_role("button").click()
    page.goto("/en/cart")
    expect(page.locator("h1")).to_have_text("Your Cart")
    expect(page.locator("table.cart-table")).to_contain_text("€19.00")
    expect(page.get_by_role("button", name="Pay with Stripe")).to_be_visible()
    screenshot("cart-in-english")
