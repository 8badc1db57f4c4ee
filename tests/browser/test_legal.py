"""The owner writes the legal pages and the publisher identity in Chromium."""

from playwright.sync_api import expect

from store.legal import services
from tests.browser.test_admin import log_in


def test_fill_the_identity_then_rewrite_the_terms_of_sale(page, live_server, login_as_admin):
    log_in(page)
    expect(page.locator('[data-warning="legal-identity"]')).to_contain_text("Raison sociale")

    page.get_by_role("link", name="Pages légales").click()
    page.get_by_role("link", name="Identité de l’éditeur", exact=True).click()
    page.get_by_label("Raison sociale").fill("Tech Actu SAS")
    page.get_by_label("Forme juridique et capital social").fill("SAS au capital de 1 000 €")
    page.get_by_label("Adresse du siège social").fill("12 rue de la Paix\n75002 Paris")
    page.get_by_label("SIRET / RCS").fill("RCS Paris 123 456 789")
    page.get_by_label("Directeur de la publication").fill("Camille Martin")
    page.get_by_label("Nom de l’hébergeur").fill("OVH SAS")
    page.get_by_label("Adresse de l’hébergeur").fill("2 rue Kellermann, 59100 Roubaix")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_have_text("Identité de l’éditeur enregistrée.")
    expect(page.locator('[data-warning="legal-identity"]')).to_have_count(0)

    page.get_by_role("link", name="Pages légales").click()
    page.locator("tr", has_text="Conditions générales de vente").get_by_role("link").first.click()
    page.get_by_label("Texte (Markdown)").fill("## Prix\n\nTous nos prix sont TTC.\n\n## Fin")
    page.get_by_role("button", name="Aperçu").click()
    expect(page.locator(".preview h2").first).to_have_text("Prix")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_have_text("Page enregistrée (version 2).")
    # The browser sent CRLF line endings: the stored text has plain newlines.
    assert "\r" not in services.find_page("cgv", "fr").body_markdown

    page.goto("/")
    page.locator("footer").get_by_role("link", name="Conditions générales de vente").click()
    expect(page.locator(".article-body h2")).to_have_text(["Prix", "Fin"])
    page.goto("/mentions-legales")
    expect(page.locator('[data-identity="publisher_address"]')).to_have_text(
        "12 rue de la Paix\n75002 Paris"
    )
    expect(page.locator(".to-complete")).to_have_count(0)
