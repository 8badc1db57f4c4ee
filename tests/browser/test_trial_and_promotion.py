"""A free trial bought through the Stripe double's page: the cart says what is due, the account
says the trial, the article opens; then a promotion code typed on Stripe's page."""

import shutil

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from store.articles.models import Article
from store.catalog.models import Product
from store.settings.services import set_setting
from tests.browser.conftest import register, tick_checkout_boxes

ARTICLE_URL = "/articles/differend-openai-elon-musk-blague-proces"
LAST_SENTENCE = "l’avenir de l’IA et de son accessibilité à tous reste incertain"


def keep(path, name: str) -> None:
    """A copy of the screenshot where a person can look at it."""
    shutil.copy(path, f"/tmp/t13-promo-trials-{name}.png")


@pytest.fixture
def trial_offer(db, seeded):
    """The monthly offer with a week free; the demo article reserved for its subscribers."""
    offer = db.session.scalar(sa.select(Product).filter_by(slug="acces-gpt-4"))
    offer.trial_days = 7
    article = db.session.scalar(sa.select(Article))
    article.subscribers_only = True
    article.access_products = [offer]
    db.session.commit()
    return offer


def test_a_free_trial_from_the_cart_to_the_article(
    page, live_server, payments, trial_offer, screenshot
):
    payments.webhook_url = f"{live_server}/stripe/webhook"
    register(page, "essai@example.org")

    page.goto(ARTICLE_URL)
    offer = page.locator("aside.offer")
    expect(offer).to_contain_text("7 jours gratuits, puis 7,00 € / mois")
    offer.get_by_role("button").click()
    page.goto("/cart")
    expect(page.locator("table.cart-table")).to_contain_text("7 jours gratuits, puis 7,00 € / mois")
    expect(page.locator(".due-today")).to_have_text("À payer aujourd’hui : 0,00 €")
    expect(page.locator(".renewal")).to_have_text("Puis 7,00 € / mois")
    keep(screenshot("trial-cart"), "cart")

    tick_checkout_boxes(page)
    page.get_by_role("button", name="Payer avec Stripe").click()
    page.wait_for_url(f"{payments.base_url}/pay/**")
    expect(page.locator(".trial")).to_have_text("Essai gratuit de 7 jours")
    page.get_by_role("button", name="Payer").click()
    page.wait_for_url(f"{live_server}/checkout/success?session_id=*")
    expect(page.locator("h1")).to_contain_text("Votre commande est confirmée")

    page.goto("/account")
    subscription = page.locator(".subscription")
    expect(subscription.locator(".status")).to_have_text("Période d’essai")
    expect(subscription).to_contain_text("Essai gratuit jusqu’au")
    keep(screenshot("trial-account"), "account")

    page.goto(ARTICLE_URL)
    expect(page.locator(".article-body")).to_contain_text(LAST_SENTENCE)
    expect(page.locator(".paywall")).to_have_count(0)

    # A second trial is not offered to the same customer.
    page.goto("/shop")
    card = page.locator("article.product-card", has_text="Accès à GPT 4").first
    expect(card.locator(".price")).to_have_text("7,00 € / mois")


def test_a_promotion_code_typed_on_stripes_page(
    db, page, live_server, payments, seeded, screenshot
):
    payments.webhook_url = f"{live_server}/stripe/webhook"
    set_setting("allow_promotion_codes", "1")
    db.session.commit()
    payments.create_promotion_code("BIENVENUE", amount_off=200)
    register(page, "promo@example.org")

    page.goto("/shop")
    page.get_by_role(
        "button", name="Ajouter au panier : Guide pratique des prompts GPT 4", exact=True
    ).click()
    page.goto("/cart")
    tick_checkout_boxes(page)
    page.get_by_role("button", name="Payer avec Stripe").click()
    page.wait_for_url(f"{payments.base_url}/pay/**")
    page.get_by_label("Code promo").fill("BIENVENUE")
    page.get_by_role("button", name="Payer").click()
    page.wait_for_url(f"{live_server}/checkout/success?session_id=*")

    discount = page.locator("tr.order-discount")
    expect(discount).to_contain_text("Remise")
    expect(discount).to_contain_text("−2,00 € (code BIENVENUE)")
    expect(page.locator("table.cart-table tfoot")).to_contain_text("17,00 €")
    keep(screenshot("promotion-success"), "promotion")
