"""A customer's payments and their invoices, in Chromium: buy the guide through the Stripe
double, find the payment on the account page, open Stripe's invoice from there."""

import shutil

from playwright.sync_api import expect

from tests.browser.conftest import buy, register


def test_buy_the_guide_then_open_its_invoice_from_the_account(
    page, live_server, payments, screenshot
):
    payments.webhook_url = f"{live_server}/stripe/webhook"
    register(page, "lecteur@example.org")
    page.goto("/shop")
    expect(page.locator(".product-card").first).to_contain_text("TTC")
    buy(page, live_server, payments, "Guide pratique des prompts GPT 4")

    page.goto("/account")
    section = page.locator("#payments")
    expect(section.get_by_role("heading", name="Paiements")).to_be_visible()
    row = section.locator("tr.payment")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Guide pratique des prompts GPT 4")
    expect(row).to_contain_text("19,00\xa0€ TTC")
    expect(row).to_contain_text("Encaissé")
    expect(row.get_by_role("link", name="PDF")).to_have_attribute(
        "href", f"{payments.base_url}/invoice/{payments.list_objects('invoice')[0]['id']}.pdf"
    )
    shutil.copy(screenshot("account-payments"), "/tmp/t13-invoices-account.png")

    # "Facture" opens Stripe's page of the invoice in a new tab.
    with page.context.expect_page() as opened:
        row.get_by_role("link", name="Facture").click()
    invoice_page = opened.value
    invoice_page.wait_for_load_state()
    assert invoice_page.url.startswith(f"{payments.base_url}/invoice/in_")
    expect(invoice_page.locator("h1")).to_have_text("Stripe test invoice")
    expect(invoice_page.locator(".amount")).to_contain_text("19,00 €")
    invoice_page.screenshot(path="/tmp/t13-invoices-invoice.png")
    invoice_page.close()

    # The next purchase: the cart says what the total holds of VAT.
    page.goto("/shop")
    page.get_by_role("button", name="Ajouter au panier : Accès à GPT 4", exact=True).click()
    page.goto("/cart")
    expect(page.locator(".due-today")).to_have_text("À payer aujourd’hui : 7,00\xa0€ TTC")
    expect(page.locator(".vat-included")).to_have_text("dont TVA (20\xa0%) : 1,17\xa0€")
    shutil.copy(screenshot("cart-vat"), "/tmp/t13-invoices-cart.png")
