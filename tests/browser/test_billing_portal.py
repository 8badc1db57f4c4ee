"""A subscriber opens Stripe's customer portal from "Mon compte" in Chromium, under the site's
Content-Security-Policy (whose form-action governs the redirect the form's POST answers with),
and comes back."""

from playwright.sync_api import expect

from tests.browser.conftest import buy, register


def test_a_subscriber_opens_the_billing_portal_and_comes_back(
    page, live_server, payments, screenshot
):
    payments.webhook_url = f"{live_server}/stripe/webhook"

    register(page, "abonne@example.org")
    buy(page, live_server, payments, "Accès à GPT 4")

    account = page.goto("/account")
    policy = account.headers["content-security-policy"]
    assert "form-action 'self' https://checkout.stripe.com https://billing.stripe.com" in policy
    assert account.headers["cache-control"] == "private, no-store"
    page.get_by_role("button", name="Gérer ou résilier mon abonnement").click()

    page.wait_for_url(f"{payments.base_url}/portal/**")
    expect(page.locator("body")).to_contain_text("Client : cus_")
    screenshot("stripe-double-portal")
    page.get_by_role("link", name="Retour au site").click()
    page.wait_for_url(f"{live_server}/account")
    expect(page.locator("section", has_text="Mes abonnements")).to_contain_text("Accès à GPT 4")
