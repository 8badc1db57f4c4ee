"""The side cart in Chromium, on a desktop and on a phone: it opens and closes the ways people
expect (its button, Esc, a click elsewhere), keeps the menu usable on a phone, and adding to the
cart from the end of a long article leaves the reader where they were."""

import pytest
from playwright.sync_api import expect

from store.catalog.models import Product
from tests.browser.viewport import seen, window_screenshot

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
#: where the keyboard focus is: in the cart's panel, on its toggle, or elsewhere
FOCUS = """() => {
  const active = document.activeElement;
  if (active.closest('#side-cart-panel')) return 'panel';
  if (active.matches('#side-cart > summary')) return 'toggle';
  return active.tagName;
}"""
#: whether a click at the centre of the element reaches it (nothing lies over it)
CLICKABLE = """element => {
  const box = element.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return element.contains(hit);
}"""


@pytest.fixture
def open_window(browser, live_server):
    contexts = []

    def new(viewport, javascript=True):
        context = browser.new_context(
            base_url=live_server,
            viewport=viewport,
            java_script_enabled=javascript,
            locale="fr-FR",
        )
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


def add_from_the_shop(page, name="Accès à GPT 4"):
    page.goto("/shop")
    page.get_by_role("button", name=f"Ajouter au panier : {name}", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("a été ajouté à votre panier")


def open_cart(page):
    page.locator("#side-cart > summary").click()
    panel = page.locator("#side-cart-panel")
    expect(panel).to_be_visible()
    return panel


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_side_cart_closes_with_its_button_esc_or_a_click_outside(
    open_window, live_server, viewport, tmp_path
):
    page = open_window(viewport)
    add_from_the_shop(page)
    toggle = page.locator("#side-cart > summary")

    panel = open_cart(page)
    expect(panel).to_contain_text("Accès à GPT 4")
    assert page.evaluate(FOCUS) == "panel"
    assert seen(panel.get_by_role("link", name="Voir le panier"))
    window_screenshot(page, tmp_path, f"side-cart-open-{viewport['width']}")
    panel.get_by_role("button", name="Fermer le panier").click()
    expect(panel).to_be_hidden()
    assert page.evaluate(FOCUS) == "toggle"

    open_cart(page)
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert page.evaluate(FOCUS) == "toggle"

    open_cart(page)
    box = panel.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] + 40)  # just below
    expect(panel).to_be_hidden()

    # Nothing is left over the page: its links work as before.
    page.locator(".main-nav").get_by_role("link", name="Actualités").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(toggle).to_be_visible()


def test_on_a_phone_the_open_cart_leaves_the_menu_and_its_toggle_usable(open_window):
    page = open_window(PHONE)
    add_from_the_shop(page)
    panel = open_cart(page)

    header = page.locator(".site-header").bounding_box()
    box = panel.bounding_box()
    assert box["y"] >= header["y"] + header["height"] - 1, "the cart covers the header"
    assert box["x"] <= 1 and box["width"] >= PHONE["width"] - 1, "the cart is not full width"
    for link in page.locator(".main-nav a").all() + [page.locator("#side-cart > summary")]:
        assert link.evaluate(CLICKABLE), f"{link.text_content()!r} is covered by the cart"

    page.locator("#side-cart > summary").click()  # the toggle closes it again
    expect(panel).to_be_hidden()
    open_cart(page)
    page.locator(".main-nav").get_by_role("link", name="Boutique").click()  # the menu works
    expect(page.locator("h1")).to_have_text("Boutique")


def test_a_long_cart_scrolls_inside_the_window_on_a_phone(open_window, create_product):
    for number in range(1, 9):
        create_product(name=f"Guide numéro {number}", price_cents=900 + number)
    page = open_window(PHONE)
    for number in range(1, 9):
        add_from_the_shop(page, f"Guide numéro {number}")
    panel = open_cart(page)

    box = panel.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "the bottom of the cart is out of reach"
    assert panel.evaluate("element => element.scrollHeight > element.clientHeight")
    view_cart = panel.get_by_role("link", name="Voir le panier")
    view_cart.scroll_into_view_if_needed()
    assert seen(view_cart)
    view_cart.click()
    expect(page.locator("h1")).to_contain_text("panier")


def test_without_javascript_the_toggle_alone_opens_and_closes_the_cart(open_window):
    page = open_window(PHONE, javascript=False)
    add_from_the_shop(page)
    panel = open_cart(page)
    expect(panel.get_by_role("button", name="Fermer le panier")).to_be_hidden()
    page.locator("#side-cart > summary").click()
    expect(panel).to_be_hidden()


LONG_BODY = "\n\n".join(
    f"Le paragraphe {number} de cette longue enquête. " * 8 for number in range(1, 40)
)


@pytest.mark.parametrize(
    "viewport, javascript",
    [(DESKTOP, True), (PHONE, True), (PHONE, False)],
    ids=["desktop", "phone", "phone-without-javascript"],
)
def test_adding_the_offer_at_the_end_of_a_long_article_keeps_the_reader_there(
    open_window, live_server, db, create_article, viewport, javascript, tmp_path
):
    offer = db.session.scalar(db.select(Product).filter_by(slug="acces-gpt-4"))
    article = create_article(title="Une longue enquête", body=LONG_BODY, offer=offer)
    page = open_window(viewport, javascript)
    page.goto(f"/articles/{article.slug}")
    block = page.locator("#offer")
    block.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 1000

    block.get_by_role("button", name="Ajouter au panier : Accès à GPT 4").click()
    expect(page).to_have_url(f"{live_server}/articles/{article.slug}#offer")
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    confirmation = block.get_by_role("status")
    expect(confirmation).to_contain_text("Dans votre panier")
    assert page.evaluate("window.scrollY") > 1000
    assert seen(confirmation), "the confirmation is outside the window or under the header"
    assert seen(block.get_by_role("button", name="Ajouter au panier : Accès à GPT 4"))
    if javascript:
        window_screenshot(page, tmp_path, f"offer-added-{viewport['width']}")
