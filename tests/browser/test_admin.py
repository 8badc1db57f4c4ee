"""The owner at work in the back office, in Chromium: offers, comments, articles."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from store.articles.models import Article, Comment, CommentStatus


def log_in(page) -> None:
    page.goto("/account/login?next=/admin")
    page.get_by_label("E-mail").fill("patron@example.org")
    page.get_by_label("Mot de passe").fill("mot de passe du patron")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Tableau de bord")


def test_create_then_archive_a_product(page, live_server, login_as_admin, screenshot):
    log_in(page)
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
    # The new offer goes after the others and leaves the home page banner alone.
    expect(page.locator("article.product-card").first).to_contain_text("Accès à GPT 4")
    screenshot("shop-with-claude")
    page.goto("/")
    expect(page.locator(".banner")).to_contain_text("Accès à GPT 4 dès aujourd'hui pour 7€")

    page.goto("/admin/products")
    row = page.locator("tr", has_text="Accès à Claude")
    row.get_by_role("button", name="Archiver").click()
    expect(page.locator("h1")).to_have_text("Confirmez, s’il vous plaît")
    page.get_by_role("button", name="Archiver").click()
    expect(page.locator(".flash-success")).to_contain_text("« Accès à Claude » est archivé.")

    page.goto("/shop")
    expect(page.locator("main")).not_to_contain_text("Accès à Claude")
    expect(page.locator("main")).to_contain_text("Accès à GPT 4")


def test_moderate_one_comment_per_click(
    page, live_server, login_as_admin, db, create_comment, screenshot
):
    article = db.session.scalar(sa.select(Article))
    for name in ("Alice", "Bruno", "Chloé"):
        create_comment(article, author_name=name, body=f"Avis de {name}", status="pending")
    log_in(page)
    page.get_by_role("link", name="Commentaires").first.click()
    screenshot("admin-comments")

    page.locator("tr", has_text="Avis de Alice").get_by_role("button", name="Approuver").click()
    expect(page.locator(".flash-success")).to_have_text("Le commentaire de Alice est approuvé.")
    expect(page).to_have_url(re.compile(r"/admin/comments\?status=pending$"))
    expect(page.locator("main")).not_to_contain_text("Avis de Alice")

    page.locator("tr", has_text="Avis de Bruno").get_by_role("button", name="Spam").click()
    expect(page.locator(".flash-success")).to_contain_text("Bruno est marqué comme spam")

    # The bulk form still works alongside: tick Chloé's comment, approve it.
    page.get_by_label("Sélectionner le commentaire de Chloé").check()
    page.get_by_label("Avec les commentaires cochés").select_option("approve")
    page.get_by_role("button", name="Appliquer").click()
    expect(page.locator(".flash-success")).to_contain_text("1 commentaire(s) mis à jour")

    page.get_by_role("link", name="Spam", exact=True).click()
    page.locator("tr", has_text="Avis de Bruno").get_by_role("button", name="Supprimer").click()
    expect(page.locator("h1")).to_have_text("Confirmez, s’il vous plaît")
    page.get_by_role("button", name="Supprimer").click()
    expect(page).to_have_url(re.compile(r"/admin/comments\?status=spam$"))
    expect(page.locator("main")).to_contain_text("Rien ici.")

    db.session.expire_all()
    statuses = dict(db.session.execute(sa.select(Comment.author_name, Comment.status)).all())
    assert statuses == {"Alice": CommentStatus.APPROVED, "Chloé": CommentStatus.APPROVED}


def test_article_category_and_unlocking_offers(page, live_server, login_as_admin, db, screenshot):
    log_in(page)
    page.goto("/admin/articles/new")
    page.get_by_label("Titre").fill("Réservé aux abonnés annuels")
    page.get_by_label("Ou une nouvelle catégorie").fill("actualités")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".error")).to_contain_text("La catégorie « Actualités » existe déjà")
    expect(page.get_by_label("Catégorie", exact=True)).to_have_value(re.compile(r"^\d+$"))

    page.get_by_label("Réservé aux abonnés").check()
    # Plain clicks tick several offers: no Ctrl-click in a multiple select.
    page.get_by_label("Accès à GPT 4 — annuel").check()
    page.get_by_label("Accès à GPT 4", exact=True).check()
    page.get_by_label("Accès à GPT 4", exact=True).uncheck()
    screenshot("admin-article-form")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_contain_text("Réservé aux abonnés annuels")
    expect(page.get_by_label("Accès à GPT 4 — annuel")).to_be_checked()
    expect(page.get_by_label("Accès à GPT 4", exact=True)).not_to_be_checked()

    db.session.expire_all()
    article = db.session.scalar(sa.select(Article).where(Article.title.startswith("Réservé")))
    assert article.category.name == "Actualités"
    assert [p.slug for p in article.access_products] == ["acces-gpt-4-annuel"]


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
