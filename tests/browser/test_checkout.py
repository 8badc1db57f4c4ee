"""A customer subscribes from the article, through the Stripe test double's checkout page."""

from playwright.sync_api import expect

from tests.browser.conftest import tick_checkout_boxes

ARTICLE_URL = "/articles/differend-openai-elon-musk-blague-proces"


def test_subscribe_from_the_article_and_see_it_on_the_account(
    page, live_server, payments, screenshot
):
    payments.webhook_url = f"{live_server}/stripe/webhook"

    page.goto("/account/register")
    page.get_by_label("E-mail").fill("lectrice@example.org")
    page.get_by_label("Mot de passe", exact=True).fill("un mot de passe solide")
    page.get_by_label("Confirmez le mot de passe").fill("un mot de passe solide")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator(".flash-success")).to_contain_text("Bienvenue")

    page.goto(ARTICLE_URL)
    page.locator("aside.offer").get_by_role(
        "button", name="Ajouter au panier : Accès à GPT 4"
    ).click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")

    page.goto("/cart")
    expect(page.locator(".test-mode")).to_contain_text("Mode test")
    screenshot("cart-before-checkout")
    tick_checkout_boxes(page)
    page.get_by_role("button", name="Payer avec Stripe").click()

    page.wait_for_url(f"{payments.base_url}/pay/**")
    expect(page.locator("body")).to_contain_text("7")
    screenshot("stripe-double-checkout")
    page.get_by_role("button", name="Payer").click()

    page.wait_for_url(f"{live_server}/checkout/success?session_id=*")
    expect(page.locator("h1")).to_contain_text("Votre commande est confirmée")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    screenshot("checkout-success")

    assert {status for _, status in payments.deliveries} == {200}
    page.goto("/account")
    subscriptions = page.locator("section", has_text="Mes abonnements")
    expect(subscriptions).to_contain_text("Accès à GPT 4")
    expect(subscriptions).to_contain_text("Actif jusqu’au")
    screenshot("account")
