"""The owner creates an offer in the back office, sees it in the shop, then archives it."""

from playwright.sync_api import expect


def test_create_then_archive_a_product(page, live_server, login_as_admin, screenshot):
    page.goto("/account/login?next=/admin")
    page.get_by_label("E-mail").fill("patron@example.org")
    page.get_by_label("Mot de passe").fill("mot de passe du patron")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Tableau de bord")
    screenshot("admin-dashboard")

    page.get_by_role("link", name="Produits").first.click()
    page.get_by_role("link", name="Nouveau produit").click()
    page.get_by_label("Nom", exact=True).fill("Accès à Claude")
    page.get_by_label("Prix (€)").fill("9")
    page.get_by_label("Facturation").select_option("month")
    page.get_by_label("Description courte").fill(
        "Claude, l’assistant d’Anthropic, dès aujourd’hui."
    )
    screenshot("admin-product-form")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_contain_text("Produit « Accès à Claude » créé.")

    page.goto("/shop")
    card = page.locator("article.product-card", has_text="Accès à Claude")
    expect(card).to_contain_text("9,00\xa0€ / mois")
    screenshot("shop-with-claude")

    page.goto("/admin/products")
    row = page.locator("tr", has_text="Accès à Claude")
    row.get_by_role("button", name="Archiver").click()
    expect(page.locator("h1")).to_have_text("Confirmez, s’il vous plaît")
    page.get_by_role("button", name="Archiver").click()
    expect(page.locator(".flash-success")).to_contain_text("« Accès à Claude » est archivé.")

    page.goto("/shop")
    expect(page.locator("main")).not_to_contain_text("Accès à Claude")
    expect(page.locator("main")).to_contain_text("Accès à GPT 4")


def test_the_price_label_follows_the_currency(page, live_server, login_as_admin):
    page.goto("/account/login?next=/admin/products/new")
    page.get_by_label("E-mail").fill("patron@example.org")
    page.get_by_label("Mot de passe").fill("mot de passe du patron")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Nouveau produit")
    expect(page.locator("label[for=price]")).to_have_text("Prix (€)")

    page.get_by_label("Devise").select_option("USD")
    expect(page.locator("label[for=price]")).to_have_text("Prix ($US)")
    page.get_by_label("Nom", exact=True).fill("GPT 4 Access")
    page.get_by_label("Prix ($US)").fill("9,99")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_contain_text("Produit « GPT 4 Access » créé.")
    # the saved product's page says it server-side, and follows a change back
    expect(page.locator("label[for=price]")).to_have_text("Prix ($US)")
    page.get_by_label("Devise").select_option("EUR")
    expect(page.locator("label[for=price]")).to_have_text("Prix (€)")
