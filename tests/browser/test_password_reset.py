"""A customer who forgot their password gets back in through the mailed link, in Chromium."""

import re

from playwright.sync_api import expect

from store.mail.sender import send_due

NEW_PASSWORD = "un nouveau mot de passe solide"


def test_forgot_password_mail_link_new_password_then_the_link_is_spent(
    page, app, live_server, smtp_server, make_user, screenshot
):
    make_user("lea@example.org")
    page.goto("/account/login")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.get_by_label("E-mail").fill("lea@example.org")
    page.get_by_role("button", name="M’envoyer un lien").click()
    expect(page.locator(".flash")).to_contain_text("un lien pour choisir un nouveau mot de passe")

    with app.app_context():
        send_due()
    (message,) = smtp_server.to("lea@example.org")
    assert message["Subject"] == "Choisissez un nouveau mot de passe pour GPT Actu"
    text = message.get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(live_server)}/account/password/reset/\S+", text).group(0)
    html = message.get_body(("html",)).get_content()
    assert f'href="{link}"' in html

    page.goto(link)
    expect(page.locator("h1")).to_have_text("Choisir un nouveau mot de passe")
    screenshot("password-reset-form")
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer mon nouveau mot de passe").click()

    page.wait_for_url(f"{live_server}/account")
    expect(page.locator(".flash-success")).to_contain_text("Vous êtes connecté")
    expect(page.locator(".main-nav").get_by_role("link", name="Mon compte")).to_be_visible()

    response = page.goto(link)
    assert response.status == 400
    expect(page.locator("h1")).to_have_text("Ce lien ne fonctionne plus")
    expect(page.get_by_text("Ce lien a expiré ou a déjà servi")).to_be_visible()
    screenshot("password-reset-link-spent")
    page.get_by_role("link", name="Demander un nouveau lien").click()
    page.wait_for_url(f"{live_server}/account/password/forgot")
