"""What a customer gets for their money, in Chromium: the PDF guide downloaded from the
account page, and the GPT 4 access key that an outside service checks, until the
subscription ends."""

import sqlalchemy as sa
from playwright.sync_api import expect

from store.catalog.models import Product
from store.downloads.services import path_of
from tests.browser.conftest import buy, register


def test_buy_the_guide_and_download_it_from_the_account(
    db, browser, page, live_server, payments, screenshot
):
    payments.webhook_url = f"{live_server}/stripe/webhook"
    guide = db.session.scalar(sa.select(Product).filter_by(slug="guide-prompts-gpt-4"))
    sold_bytes = path_of(guide).read_bytes()

    register(page, "lecteur@example.org")
    buy(page, live_server, payments, "Guide pratique des prompts GPT 4")
    page.goto("/account")
    link = page.get_by_role("link", name="Télécharger guide-prompts-gpt-4.pdf")
    expect(link).to_be_visible()
    expect(page.locator(".grant-download")).to_contain_text("5 téléchargements restants")
    screenshot("account-with-download")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "guide-prompts-gpt-4.pdf"
    assert download.path().read_bytes() == sold_bytes
    assert sold_bytes.startswith(b"%PDF-")
    page.reload()
    expect(page.locator(".grant-download")).to_contain_text("4 téléchargements restants")

    # Another customer, with the first one's link: nothing.
    url = link.get_attribute("href")
    other = browser.new_context(base_url=live_server, locale="fr-FR")
    intruder = other.new_page()
    register(intruder, "curieux@example.org")
    assert intruder.request.get(url).status == 404
    other.close()


def test_subscribe_then_the_access_key_works_until_the_subscription_ends(
    browser, page, live_server, payments, screenshot
):
    payments.webhook_url = f"{live_server}/stripe/webhook"
    register(page, "abonnee@example.org")
    buy(page, live_server, payments, "Accès à GPT 4")

    page.goto("/account")
    key = page.get_by_test_id("new-key").inner_text().strip()
    assert key.startswith("gpta_") and len(key) > 40
    screenshot("account-key-shown-once")
    page.reload()
    expect(page.get_by_test_id("new-key")).to_have_count(0)
    assert key not in page.content()
    expect(page.locator(".grant-key code")).to_have_text(key[:11] + "…")
    screenshot("account-key-masked")

    # The outside GPT 4 service: no cookie, only the key.
    service = browser.new_context(base_url=live_server).request
    answer = service.get("/api/v1/access", headers={"Authorization": f"Bearer {key}"})
    assert answer.status == 200
    body = answer.json()
    assert body["active"] is True and body["product"]["slug"] == "acces-gpt-4"
    assert body["plan"] == "month" and body["renews"] is True

    (subscription,) = payments.list_objects("subscription")
    assert set(payments.deliver(payments.delete_subscription(subscription["id"]))) == {200}
    answer = service.get("/api/v1/access", headers={"Authorization": f"Bearer {key}"})
    assert answer.status == 401
    assert answer.json() == {
        "active": False,
        "error": "inactive",
        "message": "The purchase behind this key is not paid up: access is closed.",
    }
    service.dispose()
