"""Real Chromium, driven by Playwright, against the store served on 127.0.0.1.

Without Chromium the browser tests are skipped with the reason shown, unless
STORE_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser fails them.
"""

import os
import shutil
import threading
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "chromium"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def closing_responses(app):
    """Close every response, even one the browser hung up on.

    When a tab closes while werkzeug's development server is still sending a static file, the
    server's clean-up reads the dead socket first and never calls close() on the response, so
    the open file is left to the garbage collector (a ResourceWarning, an error in this suite).
    Here the body is a generator whose `finally` closes it, whoever drops it.
    """

    def wsgi(environ, start_response):
        body = app(environ, start_response)

        def chunks():
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()

        return chunks()

    return wsgi


@pytest.fixture
def live_server(app, seeded):
    """Serve the app (with the demo content) on a free port for the duration of a test."""
    server = make_server("127.0.0.1", 0, closing_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url  # where Stripe sends the browser back
    yield url
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        message = "Chromium not found (apt-get install -y chromium)"
        if os.environ.get("STORE_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " and STORE_REQUIRE_BROWSER=1")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab that fails the test on any request leaving this machine."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 900}, locale="fr-FR"
    )
    page = context.new_page()
    external = []

    def check(request):
        if urlsplit(request.url).hostname not in ("127.0.0.1", "localhost"):
            external.append(request.url)

    page.on("request", check)
    yield page
    context.close()
    assert external == [], f"requests left the site: {external}"


@pytest.fixture
def screenshot(page, tmp_path_factory):
    """Save a full-page screenshot under the pytest temp dir; returns its path."""
    folder = tmp_path_factory.mktemp("screenshots")

    def take(name: str):
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login_as_admin(make_user):
    """An admin account the browser test logs in with."""
    return make_user("patron@example.org", admin=True, password="mot de passe du patron")


def register(page, email: str) -> None:
    """Create a customer account through the registration form (the browser is logged in)."""
    from playwright.sync_api import expect

    page.goto("/account/register")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill("un mot de passe solide")
    page.get_by_label("Confirmez le mot de passe").fill("un mot de passe solide")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator(".flash-success")).to_contain_text("Bienvenue")


def tick_checkout_boxes(page) -> None:
    """Tick the cart's two required boxes (immediate access and waiver, terms of sale)."""
    page.get_by_label("Je demande l’accès immédiat").check()
    page.get_by_label("J’ai lu et j’accepte les conditions générales de vente").check()


def buy(page, live_server: str, payments, product_name: str) -> None:
    """Add the product from the shop and pay for it on the Stripe double's page."""
    from playwright.sync_api import expect

    page.goto("/shop")
    page.get_by_role("button", name=f"Ajouter au panier : {product_name}", exact=True).click()
    page.goto("/cart")
    tick_checkout_boxes(page)
    page.get_by_role("button", name="Payer avec Stripe").click()
    page.wait_for_url(f"{payments.base_url}/pay/**")
    page.get_by_role("button", name="Payer").click()
    page.wait_for_url(f"{live_server}/checkout/success?session_id=*")
    expect(page.locator("h1")).to_contain_text("Votre commande est confirmée")
