"""In Chromium: no payment without the two boxes ticked; the account links the invoice; the back
office shows what was ticked."""

import sqlalchemy as sa
from playwright.sync_api import expect

from store.orders.models import Order
from tests.browser.conftest import register, tick_checkout_boxes
from tests.browser.test_admin import log_in as log_in_as_admin

GUIDE = "Guide pratique des prompts GPT 4"
WAIVER = "Je demande l’accès immédiat au contenu numérique"


def test_pay_only_with_both_boxes_ticked_and_see_the_consent_in_the_back_office(
    page, live_server, payments, login_as_admin, db, screenshot
):
    payments.webhook_url = f"{live_server}/stripe/webhook"
    register(page, "acheteuse@example.org")
    page.goto("/shop")
    page.get_by_role("button", name=f"Ajouter au panier : {GUIDE}", exact=True).click()
    page.goto("/cart")
    waiver = page.get_by_label("Je demande l’accès immédiat")
    terms = page.get_by_label("J’ai lu et j’accepte les conditions générales de vente")
    expect(waiver).not_to_be_checked()
    expect(terms).not_to_be_checked()
    expect(
        page.locator(".checkout-box").get_by_role("link", name="Lire les conditions")
    ).to_have_attribute("href", "/cgv")
    screenshot("cart-consent-boxes")

    # Chromium itself stops the unticked form...
    pay = page.get_by_role("button", name="Payer avec Stripe")
    pay.click()
    expect(page).to_have_url(f"{live_server}/cart")
    assert waiver.evaluate("box => box.validity.valueMissing")
    # ...and without that check (an old browser, a crafted form) the store refuses it too.
    page.locator("form.checkout-consent").evaluate("form => { form.noValidate = true; }")
    terms.check()
    pay.click()
    expect(page.locator(".flash-error")).to_contain_text(
        "Cochez la case demandant l’accès immédiat et renonçant à votre droit de rétractation"
    )
    expect(page.locator("main")).to_contain_text(GUIDE)  # the cart is kept
    assert not [r for r in payments.requests if r.path == "/v1/checkout/sessions"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0

    tick_checkout_boxes(page)
    page.get_by_role("button", name="Payer avec Stripe").click()
    page.wait_for_url(f"{payments.base_url}/pay/**")
    expect(page.locator(".submit-message")).to_contain_text(WAIVER)  # Stripe's custom_text
    page.get_by_role("button", name="Payer").click()
    page.wait_for_url(f"{live_server}/checkout/success?session_id=*")
    expect(page.locator("h1")).to_contain_text("Votre commande est confirmée")

    # The account links the payment's invoice, as Stripe made it for this one-time purchase.
    page.goto("/account")
    payment = page.locator("#payments tr.payment")
    expect(payment).to_have_count(1)
    expect(payment).to_contain_text("19,00\xa0€ TTC")
    (invoice,) = payments.list_objects("invoice")
    expect(payment.get_by_role("link", name="Facture")).to_have_attribute(
        "href", f"{payments.base_url}/invoice/{invoice['id']}"
    )
    screenshot("account-invoice-link")

    order = db.session.scalar(sa.select(Order))
    page.context.clear_cookies()
    log_in_as_admin(page)
    page.goto(f"/admin/orders/{order.id}")
    consent = page.locator("#consent")
    expect(consent).to_contain_text(WAIVER)
    expect(consent).to_contain_text("J’ai lu et j’accepte les conditions générales de vente.")
    expect(consent).to_contain_text("Cochées le")
    expect(consent).to_contain_text(order.consent_version)
    screenshot("admin-order-consent")
