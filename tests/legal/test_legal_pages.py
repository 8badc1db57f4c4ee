"""The legal pages: public in French and English, edited in the back office, and the
publisher's identity on the mentions légales."""

import pytest
import sqlalchemy as sa

from store.legal import services
from store.legal.models import LegalKind, LegalPage

PAGES = [("/mentions-legales", "mentions"), ("/cgv", "cgv"), ("/confidentialite", "privacy")]

IDENTITY = {
    "publisher_name": "Tech Actu SAS",
    "publisher_legal_form": "SAS au capital de 1 000 €",
    "publisher_address": "12 rue de la Paix\r\n75002 Paris",
    "publisher_registration": "RCS Paris 123 456 789",
    "publisher_vat_number": "",
    "publication_director": "Camille Martin",
    "host_name": "OVH SAS",
    "host_address": "2 rue Kellermann, 59100 Roubaix",
}


@pytest.mark.parametrize(("url", "kind"), PAGES)
def test_each_page_shows_in_french_and_in_english(seeded, client, url, kind):
    french = client.get(url)
    english = client.get(f"/en{url}")
    assert french.status_code == english.status_code == 200
    french_text, english_text = french.get_data(as_text=True), english.get_data(as_text=True)
    title = {"mentions": "Mentions légales", "cgv": "Conditions générales de vente"}
    assert title.get(kind, "Politique de confidentialité") in french_text
    english_title = {"mentions": "Legal notice", "cgv": "Terms of sale"}
    assert english_title.get(kind, "Privacy policy") in english_text
    # The seeded bodies differ by language: each reader gets their own text.
    assert french_text != english_text
    assert "<h2>" in french_text and "<h2>" in english_text


def test_the_seeded_terms_of_sale_cover_withdrawal_prices_and_stripe(seeded, client):
    french = client.get("/cgv").get_data(as_text=True)
    assert "14 jours" in french and "renoncer" in french
    assert "TTC" in french and "Stripe" in french and "résilier" in french
    english = client.get("/en/cgv").get_data(as_text=True)
    assert "14 days" in english and "waive" in english


def test_an_english_reader_gets_the_french_text_when_there_is_no_translation(db, client):
    services.save_page(LegalKind.CGV, "fr", "Texte **français** seulement.")
    db.session.commit()
    page = client.get("/en/cgv").get_data(as_text=True)
    assert "Texte <strong>français</strong> seulement." in page


def test_a_page_not_written_yet_says_so(db, client):
    response = client.get("/confidentialite")
    assert response.status_code == 200
    assert "pas encore été rédigée" in response.get_data(as_text=True)


def test_a_script_in_the_markdown_never_reaches_the_page(db, client, admin):
    admin.post(
        "/admin/legal/cgv/fr",
        {"body": "Conditions.\n\n<script>alert('x')</script>\n\n[lien](javascript:alert(1))"},
    )
    page = client.get("/cgv").get_data(as_text=True)
    assert "Conditions." in page
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page


def test_an_admin_edit_raises_the_version_and_shows_on_the_page(seeded, client, admin):
    before = services.current_version(LegalKind.CGV, "fr")
    response = admin.post("/admin/legal/cgv/fr", {"body": "## Nouvelles CGV\r\n\r\nEn vigueur."})
    assert response.status_code == 303
    assert services.current_version("cgv", "fr") == before + 1
    page = client.get("/cgv").get_data(as_text=True)
    assert "<h2>Nouvelles CGV</h2>" in page
    assert f"Version {before + 1}" in page
    stored = seeded.session.scalar(
        sa.select(LegalPage.body_markdown).where(LegalPage.kind == "cgv", LegalPage.locale == "fr")
    )
    assert "\r" not in stored
    # The English page is its own text, with its own version.
    assert services.current_version("cgv", "en") == 1
    assert "Nouvelles CGV" not in client.get("/en/cgv").get_data(as_text=True)


def test_the_preview_shows_the_text_without_saving_it(seeded, client, admin):
    preview = admin.post("/admin/legal/privacy/en", {"body": "## Draft heading", "preview": "1"})
    assert preview.status_code == 200
    assert "<h2>Draft heading</h2>" in preview.get_data(as_text=True)
    assert services.current_version("privacy", "en") == 1
    assert "Draft heading" not in client.get("/en/confidentialite").get_data(as_text=True)


def test_an_unknown_page_or_language_is_a_404(db, admin):
    assert admin.client.get("/admin/legal/cookies/fr").status_code == 404
    assert admin.client.get("/admin/legal/cgv/de").status_code == 404
    assert admin.client.get("/admin/legal/cgv/en").status_code == 200


def test_a_customer_cannot_edit_a_legal_page(seeded, client, forms, login_as):
    login_as("client@example.org", admin=False)
    assert client.get("/admin/legal/cgv/fr").status_code == 403
    assert forms.post("/admin/legal/cgv/fr", {"body": "Piraté"}).status_code == 403
    assert forms.post("/admin/legal/identity", {"publisher_name": "Piraté"}).status_code == 403
    assert "Piraté" not in client.get("/cgv").get_data(as_text=True)
    assert services.current_version("cgv", "fr") == 1


def test_an_anonymous_visitor_is_sent_to_the_login_page(seeded, client, forms):
    response = forms.post("/admin/legal/cgv/fr", {"body": "Piraté"})
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    assert services.current_version("cgv", "fr") == 1


def test_an_edit_without_the_csrf_token_is_refused(seeded, client, admin):
    response = client.post("/admin/legal/cgv/fr", data={"body": "Sans jeton"})
    assert response.status_code == 400
    assert services.current_version("cgv", "fr") == 1


def test_missing_identity_shows_placeholders_and_a_dashboard_warning(seeded, client, admin):
    page = client.get("/mentions-legales").get_data(as_text=True)
    assert "À compléter : Raison sociale" in page
    assert "À compléter : Directeur de la publication" in page
    assert "À compléter : Nom de l’hébergeur" in page
    # The VAT number is optional: no placeholder for it.
    assert "À compléter : Numéro de TVA" not in page
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert 'data-warning="legal-identity"' in dashboard
    assert "Raison sociale" in dashboard and "Adresse de l’hébergeur" in dashboard


def test_a_filled_identity_shows_on_the_page_and_silences_the_warning(seeded, client, admin):
    response = admin.post("/admin/legal/identity", IDENTITY)
    assert response.status_code == 303
    page = client.get("/mentions-legales").get_data(as_text=True)
    assert "À compléter" not in page
    assert "Tech Actu SAS" in page and "RCS Paris 123 456 789" in page and "OVH SAS" in page
    assert "12 rue de la Paix\n75002 Paris" in page
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert 'data-warning="legal-identity"' not in dashboard
    assert "complète" in dashboard


def test_an_overlong_identity_field_is_refused_and_nothing_is_saved(db, client, admin):
    response = admin.post("/admin/legal/identity", {**IDENTITY, "publisher_name": "x" * 501})
    assert response.status_code == 400
    assert "500" in response.get_data(as_text=True)
    assert services.publisher_identity()["publisher_name"] == ""


def test_every_page_links_to_the_three_legal_pages(seeded, client):
    for url in ("/", "/shop"):
        page = client.get(url).get_data(as_text=True)
        for path, _kind in PAGES:
            assert f'href="{path}"' in page, (url, path)


def test_helpers_give_the_public_path_and_the_version_a_reader_sees(seeded, app):
    with app.test_request_context():
        assert services.page_url("cgv") == "/cgv"
        assert services.page_url(LegalKind.PRIVACY) == "/confidentialite"
    assert services.current_version("cgv", "en") == 1
    assert services.current_version("cgv", "de") == 1  # falls back to French
