"""Another website's page makes Chromium post the store's forms: every one is refused with the
403 page and changes nothing, while the same forms posted from the store's own pages work.

The other site is a tiny server on another port of 127.0.0.1: for Chromium that is another
origin but the same site, so the admin's session cookie (SameSite=Lax) goes with its requests
and only the Origin / Sec-Fetch-Site check (store/ops/cross_origin.py) stands in the way. One
form comes from http://localhost instead: a cross-site request, as from any other domain.
"""

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from store.accounts.models import User
from store.articles.models import Comment
from store.catalog.models import Product

ARTICLE = "differend-openai-elon-musk-blague-proces"
ADMIN_EMAIL = "patron@example.org"
ADMIN_PASSWORD = "mot de passe du patron"
REFUSAL = "Refusé : cette demande venait d’un autre site"


class OtherSite:
    """Serves /<name>: a page whose form posts itself to the store as soon as it loads."""

    def __init__(self):
        self.forms: dict[str, tuple[str, dict]] = {}
        forms = self.forms

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                action, fields = forms[self.path.lstrip("/")]
                inputs = "".join(
                    f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
                    for name, value in fields.items()
                )
                body = (
                    "<!doctype html><title>Gagnez un iPhone</title>"
                    f'<form method="post" action="{html.escape(action)}">{inputs}</form>'
                    "<script>document.forms[0].submit()</script>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def other_site():
    with OtherSite() as site:
        yield site


def forge(page, other_site, live_server, name, path, fields, host="127.0.0.1"):
    """Open the other site's page that posts `fields` to `path`; returns the store's answer."""
    other_site.forms[name] = (f"{live_server}{path}", fields)
    store_host = urlsplit(live_server).netloc
    with page.expect_response(
        lambda r: urlsplit(r.url).netloc == store_host and r.request.method == "POST"
    ) as answer:
        page.goto(f"http://{host}:{other_site.port}/{name}")
    page.wait_for_load_state()
    return answer.value


def test_forms_posted_from_another_site_are_refused_and_change_nothing(
    page, live_server, other_site, db, login_as_admin, tmp_path
):
    guide = db.session.scalar(db.select(Product).filter_by(slug="guide-prompts-gpt-4"))
    comments_before = db.session.scalar(db.select(db.func.count(Comment.id)))
    users_before = db.session.scalar(db.select(db.func.count(User.id)))
    anonymous = {
        "cart-add": ("/cart/add", {"product_id": str(guide.id), "next": "/cart"}),
        "comment": (
            f"/articles/{ARTICLE}/comments",
            {"body": "Achetez mes pilules", "author_name": "Spam", "author_email": "s@example.org"},
        ),
        "login": ("/account/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        "register": (
            "/account/register",
            {
                "email": "piege@example.org",
                "password": "piege piege 12",
                "confirm": "piege piege 12",
            },
        ),
        "password-forgot": ("/account/password/forgot", {"email": ADMIN_EMAIL}),
        "language": ("/language", {"lang": "en", "next": "/"}),
        "checkout": ("/checkout", {"immediate_access": "y", "accept_terms": "y"}),
    }
    for name, (path, fields) in anonymous.items():
        response = forge(page, other_site, live_server, name, path, fields)
        assert response.status == 403, name
        expect(page.locator("h1")).to_have_text(REFUSAL)
    page.screenshot(path=str(tmp_path / "refused.png"), full_page=True)
    page.screenshot(path="/tmp/t14-cookie-free-refused.png", full_page=True)

    # From another domain altogether (cross-site rather than same-site): refused too.
    response = forge(
        page,
        other_site,
        live_server,
        "cart-add",
        "/cart/add",
        anonymous["cart-add"][1],
        host="localhost",
    )
    assert response.status == 403

    # Nothing happened: no cookie, an empty cart, French, nobody logged in or registered.
    assert page.context.cookies(live_server) == []
    page.goto("/cart")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Comment.id))) == comments_before
    assert db.session.scalar(db.select(db.func.count(User.id))) == users_before

    # The admin logs in on the store itself (that works), then visits the other site.
    page.goto("/account/login")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Admin", exact=True)).to_be_visible()
    logged_in = {
        "archive": (f"/admin/products/{guide.id}/archive", {"confirmed": "yes"}),
        "email": ("/account/email", {"email": "pirate@example.org", "current": ADMIN_PASSWORD}),
        "password": (
            "/account/password",
            {"current": ADMIN_PASSWORD, "password": "piege piege 12", "confirm": "piege piege 12"},
        ),
        "delete": ("/account/delete", {"current": ADMIN_PASSWORD}),
        "cart-add-logged-in": ("/cart/add", {"product_id": str(guide.id)}),
        "logout": ("/account/logout", {}),
    }
    for name, (path, fields) in logged_in.items():
        response = forge(page, other_site, live_server, name, path, fields)
        assert response.status == 403, name
        expect(page.locator("h1")).to_have_text(REFUSAL)

    db.session.rollback()
    db.session.expire_all()
    admin = db.session.scalar(db.select(User).filter_by(email=ADMIN_EMAIL))
    assert admin is not None and admin.check_password(ADMIN_PASSWORD)
    assert db.session.get(Product, guide.id).active
    page.goto("/admin")
    expect(page.get_by_role("link", name="Admin", exact=True)).to_be_visible()  # still logged in
    page.goto("/cart")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")


def test_the_same_forms_work_from_the_stores_own_pages(page, live_server, db, login_as_admin):
    guide = db.session.scalar(db.select(Product).filter_by(slug="guide-prompts-gpt-4"))
    page.goto("/shop")
    page.get_by_role("button", name=f"Ajouter au panier : {guide.name}", exact=True).click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    page.goto("/cart")
    expect(page.locator("main")).to_contain_text(guide.name)

    page.goto(f"/articles/{ARTICLE}")
    form = page.locator("#comment-form")
    form.get_by_label("Commentaire").fill("Merci pour cet article.")
    form.get_by_label("Nom").fill("Camille")
    form.get_by_label("E-mail").fill("camille@example.org")
    form.get_by_role("button", name="Publier le commentaire").click()
    expect(page.get_by_role("status").filter(has_text="en attente de modération")).to_be_visible()

    page.get_by_role("link", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Français", exact=True).click()

    page.goto("/account/login")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"/admin/products/{guide.id}")
    page.get_by_role("button", name="Archiver").first.click()
    page.get_by_role("button", name="Archiver").first.click()  # the confirmation page
    expect(page.locator(".flash-success")).to_contain_text("archivé")

    db.session.rollback()
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Comment.id))) >= 1
    assert not db.session.get(Product, guide.id).active
