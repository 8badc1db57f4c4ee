"""A visitor reads the article, buys the offer from it, then empties the cart."""

from playwright.sync_api import expect

ARTICLE_URL = "/articles/differend-openai-elon-musk-blague-proces"


def test_add_the_offer_from_the_article_then_empty_the_cart(page, live_server, screenshot):
    page.goto(ARTICLE_URL)
    expect(page.locator("h1")).to_contain_text("Les dessous du différend entre OpenAI")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    screenshot("article")

    offer = page.locator("aside.offer")
    expect(offer).to_contain_text("Accès à GPT 4 dès aujourd'hui pour 7€")
    offer.get_by_role("button", name="Ajouter au panier : Accès à GPT 4").click()

    expect(page.locator(".flash-success")).to_contain_text("a été ajouté à votre panier")
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    page.locator("summary.cart-toggle").click()
    panel = page.locator(".side-cart-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Accès à GPT 4")
    expect(panel).to_contain_text("7,00\xa0€")
    screenshot("side-cart")

    panel.get_by_role("link", name="Voir le panier").click()
    expect(page).to_have_url(f"{live_server}/cart")
    expect(page.locator("table.cart-table")).to_contain_text("7,00\xa0€ / mois")
    screenshot("cart")

    page.locator("table.cart-table").get_by_role(
        "button", name="Retirer du panier : Accès à GPT 4"
    ).click()
    expect(page.locator("main")).to_contain_text("Votre panier est vide")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    screenshot("cart-empty")

    page.locator("main").get_by_role("link", name="Retour à la boutique").click()
    expect(page).to_have_url(f"{live_server}/shop")
    expect(page.locator("h1")).to_have_text("Boutique")
    screenshot("shop")


def test_the_side_cart_works_on_a_phone_without_javascript(browser, live_server, tmp_path):
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 375, "height": 800},
        java_script_enabled=False,
        locale="fr-FR",
    )
    page = context.new_page()
    page.goto("/shop")
    page.get_by_role("button", name="Ajouter au panier : Accès à GPT 4").first.click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    page.locator("summary.cart-toggle").click()
    expect(page.locator(".side-cart-panel")).to_contain_text("Accès à GPT 4")
    page.screenshot(path=str(tmp_path / "phone-side-cart.png"), full_page=True)
    context.close()


def test_without_stripe_the_pay_button_looks_and_is_disabled(page, live_server, screenshot):
    page.goto("/shop")
    page.get_by_role("button", name="Ajouter au panier : Accès à GPT 4").first.click()
    page.goto("/cart")
    box = page.locator(".checkout-box")
    expect(box).to_contain_text("Les paiements ne sont pas encore ouverts.")
    expect(box).not_to_contain_text("STRIPE_SECRET_KEY")
    pay = box.get_by_role("button", name="Payer avec Stripe")
    expect(pay).to_be_disabled()
    expect(pay).to_have_css("cursor", "not-allowed")
    # greyed, not the red of a button that works (#c8102e), even under the pointer
    expect(pay).not_to_have_css("background-color", "rgb(200, 16, 46)")
    greyed = pay.evaluate("button => getComputedStyle(button).backgroundColor")
    pay.hover(force=True)
    expect(pay).to_have_css("background-color", greyed)
    screenshot("cart-payments-closed")
