"""The owner writes a subscriber-only article in the back office with Chromium (whose textarea
sends CRLF line endings); a visitor and a customer without a subscription read its opening,
and its ending is nowhere in the page they receive."""

from playwright.sync_api import expect

OPENING = "Le premier paragraphe est ouvert à tous."
ENDING = "La conclusion réservée aux abonnés, jamais envoyée aux autres."
BODY = "\n\n".join(
    [
        OPENING,
        "## Ce que l’on sait",
        "Le deuxième paragraphe reste lisible par tous les visiteurs du site.",
        *[f"Le paragraphe {n} est réservé aux abonnés. " * 3 for n in range(3, 8)],
        ENDING,
    ]
)


def test_an_article_written_in_the_browser_keeps_its_ending_for_subscribers(
    browser, page, live_server, login_as_admin, screenshot
):
    page.goto("/account/login?next=/admin/articles/new")
    page.get_by_label("E-mail").fill("patron@example.org")
    page.get_by_label("Mot de passe").fill("mot de passe du patron")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Titre", exact=True).fill("Enquête pour les abonnés")
    page.get_by_label("Catégorie", exact=True).select_option(label="Actualités")
    page.get_by_label("Texte (Markdown)").fill(BODY)
    page.get_by_label("Réservé aux abonnés").check()
    page.get_by_label("Date de publication (heure de Paris)").fill("2024-04-02T10:00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_contain_text("Enquête pour les abonnés")
    url = page.get_by_role("link", name="Voir sur le site").get_attribute("href")

    visitor = browser.new_context(base_url=live_server, locale="fr-FR")
    reader = visitor.new_page()
    reader.goto(url)
    expect(reader.locator(".article-body")).to_contain_text(OPENING)
    expect(reader.locator(".paywall")).to_contain_text("Cet article est réservé aux abonnés")
    source = reader.request.get(url).text()
    assert OPENING in source and ENDING not in source and "paragraphe 7" not in source
    assert ENDING not in reader.content()
    screenshot("admin-after-saving")
    reader.screenshot(path=str(screenshot("admin-after-saving").with_name("paywall.png")))

    reader.goto("/account/register")
    reader.get_by_label("E-mail").fill("lectrice@example.org")
    reader.get_by_label("Mot de passe", exact=True).fill("un mot de passe solide")
    reader.get_by_label("Confirmez le mot de passe").fill("un mot de passe solide")
    reader.get_by_role("button", name="Créer mon compte").click()
    reader.goto("/account")
    expect(reader).to_have_url(f"{live_server}/account")  # logged in, no subscription
    reader.goto(url)
    expect(reader.locator(".paywall")).to_be_visible()
    source = reader.request.get(url).text()  # with the customer's cookies
    assert OPENING in source and ENDING not in source
    visitor.close()

    page.goto(url)  # the admin reads everything
    expect(page.locator(".article-body")).to_contain_text(ENDING)
