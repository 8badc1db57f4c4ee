"""The language is in the URL, in Chromium: the footer's "English" link opens the same page under
/en/, the cart works there, and a browser that prefers the other language is offered it by a
hint it can close."""

import pytest
from playwright.sync_api import expect

ARTICLE_URL = "/articles/differend-openai-elon-musk-blague-proces"
TITLE = "Les dessous du différend entre OpenAI et Elon Musk"


@pytest.fixture
def english_browser_page(browser, live_server):
    """A tab of a browser whose first language is English."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    yield context.new_page()
    context.close()


def test_the_english_link_opens_the_same_article_in_english(page, live_server):
    page.goto(ARTICLE_URL)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("[data-language-hint]")).to_be_hidden()  # a French browser: no hint
    page.locator(".lang-switch").get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{live_server}/en{ARTICLE_URL}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text(TITLE)  # the article, written in French
    expect(page.locator("main .meta").first).to_contain_text("Published on")
    page.screenshot(path="/tmp/t14-lang-url-article-en.png", full_page=True)

    # the cart, all the way, in English
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("link", name="Shop").click()
    expect(page).to_have_url(f"{live_server}/en/shop")
    page.get_by_role("button", name="Add to cart: Accès à GPT 4", exact=True).click()
    expect(page).to_have_url(f"{live_server}/en/shop#product-acces-gpt-4")
    expect(page.locator(".flash-success")).to_contain_text("was added to your cart")
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    nav.get_by_role("link", name="Cart").click()
    expect(page).to_have_url(f"{live_server}/en/cart")
    expect(page.locator("h1")).to_have_text("Your Cart")
    expect(page.locator("table.cart-table")).to_contain_text("€7.00")
    page.screenshot(path="/tmp/t14-lang-url-cart-en.png", full_page=True)

    # and back to French: the same page, the same cart
    page.locator(".lang-switch").get_by_role("link", name="Français").click()
    expect(page).to_have_url(f"{live_server}/cart")
    expect(page.locator("h1")).to_have_text("Votre panier")
    expect(page.locator("table.cart-table")).to_contain_text("7,00 €")


def test_a_browser_preferring_english_is_offered_the_english_page(
    english_browser_page, live_server
):
    page = english_browser_page
    page.goto(ARTICLE_URL)
    expect(page.locator("html")).to_have_attribute("lang", "fr")  # the URL decides
    hint = page.locator("[data-language-hint]")
    expect(hint).to_be_visible()
    page.screenshot(path="/tmp/t14-lang-url-hint.png")
    hint.get_by_role("button", name="Close").click()
    expect(hint).to_be_hidden()
    page.reload()
    expect(hint).to_be_hidden()  # closed once, closed for good

    other = page.context.new_page()
    other.goto(f"/en{ARTICLE_URL}")
    expect(other.locator("[data-language-hint]")).to_be_hidden()  # already in English
    other.goto("/shop")
    expect(other.locator("[data-language-hint]")).to_be_hidden()

    fresh = page.context.browser.new_context(base_url=live_server, locale="en-GB").new_page()
    fresh.goto(ARTICLE_URL)
    fresh.locator("[data-language-hint]").get_by_role("link").click()
    expect(fresh).to_have_url(f"{live_server}/en{ARTICLE_URL}")
    expect(fresh.locator("html")).to_have_attribute("lang", "en")
    fresh.context.close()
