"""The language is in the URL: French at `/`, English under `/en/`. The same URL returns the
same page whatever the browser prefers, links stay in the language being read, search engines
get both languages, and a customer's messages follow the language they read the site in."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from store.accounts import services as account_services
from store.catalog.models import Product
from store.mail.models import OutboxMessage
from tests.conftest import CHECKOUT_CONSENT, PASSWORD, logged_in, visitor
from tests.readers import sitemap_entries

ARTICLE = "/articles/differend-openai-elon-musk-blague-proces"
#: public pages, with a word only the French page and one only the English page shows
PUBLIC_PAGES = [
    ("/", "Actualités", "News"),
    ("/shop", "Boutique", "Shop"),
    ("/shop/guide-prompts-gpt-4", "Ajouter au panier", "Add to cart"),
    (ARTICLE, "Publié le", "Published on"),
    ("/category/actualites", "Publié le", "Published on"),
    ("/search?q=musk", "résultat", "result"),
    ("/cart", "Votre panier est vide", "Your cart is empty"),
    ("/cgv", "Conditions générales de vente", "Terms of sale"),
    ("/account/login", "Se connecter", "Log in"),
]
HREF = re.compile(r"<a\b([^>]*)>")


def html_lang(page: str) -> str:
    return re.search(r'<html lang="(\w+)">', page).group(1)


def head_links(page: str) -> dict[str, str]:
    """`rel=canonical` and the hreflang alternates of a page's <head>."""
    links = {"canonical": re.search(r'<link rel="canonical" href="([^"]+)">', page).group(1)}
    alternate = r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">'
    for lang, href in re.findall(alternate, page):
        links[lang] = href
    return links


@pytest.mark.parametrize(("url", "french", "english"), PUBLIC_PAGES)
def test_each_public_page_is_french_at_the_root_and_english_under_en(
    seeded, client, url, french, english
):
    french_page = client.get(url)
    english_page = client.get(f"/en{url}")
    assert french_page.status_code == english_page.status_code == 200, url
    assert html_lang(french_page.text) == "fr" and french in french_page.text
    assert html_lang(english_page.text) == "en" and english in english_page.text
    # the header too
    assert ">Boutique</a>" in french_page.text and ">Shop</a>" in english_page.text


@pytest.mark.parametrize("url", ["/", "/shop", ARTICLE, "/cart"])
def test_the_browsers_language_never_changes_what_a_url_returns(seeded, client, url):
    for preference in ("en-GB,en;q=0.9", "fr-FR,fr;q=0.9"):
        french = client.get(url, headers={"Accept-Language": preference})
        assert html_lang(french.text) == "fr", (url, preference)
        assert "accept-language" not in french.headers.get("Vary", "").lower()
        english = client.get(f"/en{url}", headers={"Accept-Language": preference})
        assert html_lang(english.text) == "en", (url, preference)
        assert "accept-language" not in english.headers.get("Vary", "").lower()


def test_a_french_page_offers_english_to_whoever_prefers_it(seeded, client):
    # The hint is in every French page, hidden; the browser's script shows it (see the
    # browser test): the server never reads Accept-Language.
    page = client.get(ARTICLE).text
    hint = re.search(r"<p class=\"language-hint\"[^>]*>.*?</p>", page, re.S).group(0)
    assert 'lang="en"' in hint and "hidden" in hint
    assert f'href="/en{ARTICLE}"' in hint and "Read this page in English" in hint
    english = client.get(f"/en{ARTICLE}").text
    assert f'href="{ARTICLE}"' in english and "Lire cette page en français" in english


def test_an_article_names_its_url_in_each_language(seeded, client):
    french = head_links(client.get(ARTICLE).text)
    english = head_links(client.get(f"/en{ARTICLE}").text)
    alternates = {
        "fr": f"http://localhost{ARTICLE}",
        "en": f"http://localhost/en{ARTICLE}",
        "x-default": f"http://localhost{ARTICLE}",
    }
    assert french == {"canonical": f"http://localhost{ARTICLE}", **alternates}
    assert english == {"canonical": f"http://localhost/en{ARTICLE}", **alternates}
    # the page number stays, other parameters go
    listing = head_links(client.get("/en/?page=2&utm_source=x").text)
    assert listing["canonical"] == "http://localhost/en/?page=2"
    assert listing["fr"] == "http://localhost/?page=2"


def test_the_sitemap_lists_each_page_in_both_languages(seeded, client):
    entries = {loc: entry["alternates"] for loc, entry in sitemap_entries(client).items()}
    for path in ("/", "/shop", ARTICLE, "/shop/guide-prompts-gpt-4", "/category/actualites"):
        french = f"http://localhost{path}"
        english = f"http://localhost/en/{path.lstrip('/')}"
        assert (
            entries[french]
            == entries[english]
            == {
                "fr": french,
                "en": english,
                "x-default": french,
            }
        ), path
    # the sitemap and robots.txt are one file for both languages
    for path in ("/en/sitemap.xml", "/en/sitemap-pages.xml", "/en/sitemap-articles-1.xml"):
        assert client.get(path).status_code == 200, path
    robots = client.get("/robots.txt").text
    assert "Disallow: /en/account" in robots and "Sitemap: http://localhost/sitemap.xml" in robots


@pytest.mark.parametrize("url", ["/en/", "/en/shop"])
def test_the_links_of_an_english_page_stay_in_english(seeded, client, url):
    page = client.get(url).text
    hrefs = []
    for attributes in HREF.findall(page):
        href = re.search(r'href="([^"]*)"', attributes)
        if href is None or "hreflang=" in attributes:
            continue  # the language switcher and the hint lead to the French page on purpose
        hrefs.append(href.group(1))
    site_links = [href for href in hrefs if href.startswith("/")]
    assert len(site_links) > 10, site_links
    assert [href for href in site_links if not href.startswith("/en/")] == []
    # the forms too (search, add to cart) post and go back in English
    actions = re.findall(r'<form[^>]*action="([^"]*)"', page)
    assert actions and all(action.startswith("/en/") for action in actions), actions
    # files have one address for both languages (one copy in every cache)
    assert '<link rel="stylesheet" href="/static/css/site.css?v=' in page


def test_adding_to_the_cart_from_the_english_shop_comes_back_in_english(seeded, client):
    page = client.get("/en/shop").text
    form = re.search(r'<form[^>]*action="(/en/cart/add)".*?</form>', page, re.S)
    assert form is not None
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))
    added = client.post(form.group(1), data=fields)
    assert added.status_code == 303
    assert urlsplit(added.headers["Location"]).path == "/en/shop"
    cart = client.get("/en/cart").text
    assert "Your Cart" in cart and 'data-testid="cart-count">1<' in cart


def test_checking_out_in_english_brings_the_customer_back_in_english(
    db, forms, payments, customer, seeded
):
    guide = db.session.scalar(sa.select(Product).filter_by(slug="guide-prompts-gpt-4"))
    forms.post("/en/cart/add", {"product_id": guide.id})
    pay = forms.post("/en/checkout", CHECKOUT_CONSENT)
    assert pay.status_code == 303
    sent = payments.last("POST", "/v1/checkout/sessions").params
    assert sent["success_url"].startswith("http://localhost/en/checkout/success?session_id=")
    assert sent["cancel_url"].startswith("http://localhost/en/checkout/cancel?order=")
    assert sent["locale"] == "en"
    # from the French page, the French pages
    forms.post("/checkout", CHECKOUT_CONSENT)
    sent = payments.last("POST", "/v1/checkout/sessions").params
    assert sent["success_url"].startswith("http://localhost/checkout/success?session_id=")
    assert sent["locale"] == "fr"


def test_a_customers_messages_follow_the_language_they_read(app, db, make_user):
    user = make_user("sam@example.org")
    assert user.locale == "fr"
    browser = logged_in(app, user)
    browser.client.get("/en/account")
    db.session.refresh(user)
    assert user.locale == "en"
    with app.test_request_context("/"):  # queued from a French page, written in English
        account_services.queue_email_confirmation(user, resend=True)
        db.session.commit()
    message = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()[-1]
    assert message.subject == "Confirm your email address"
    assert "http://localhost/en/account/" in message.text_body  # the link opens in English
    browser.client.get("/shop")
    db.session.refresh(user)
    assert user.locale == "fr"


def test_logging_in_from_an_english_page_stays_in_english(app, make_user):
    make_user("sam@example.org")
    browser = visitor(app)
    detour = browser.client.get("/en/account")
    assert urlsplit(detour.headers["Location"]).path == "/en/account/login"
    next_url = parse_qs(urlsplit(detour.headers["Location"]).query)["next"][0]
    assert next_url == "/en/account"
    admin_detour = visitor(app).client.get("/en/admin/products").headers["Location"]
    assert parse_qs(urlsplit(admin_detour).query)["next"] == ["/en/admin/products"]
    login = browser.post(
        "/en/account/login", {"email": "sam@example.org", "password": PASSWORD, "next": next_url}
    )
    assert login.headers["Location"] == "/en/account"
    # one session for both languages
    cookie = browser.client.get_cookie("session")
    assert cookie is not None and cookie.path == "/"
    assert html_lang(browser.client.get("/account").text) == "fr"
    assert "My account" in browser.client.get("/en/account").text


def test_en_without_its_slash_leads_to_the_english_front_page(client):
    response = client.get("/en?page=2")
    assert response.status_code == 301
    assert response.headers["Location"] == "/en/?page=2"


def test_the_old_language_buttons_lead_to_the_page_in_that_language(seeded, forms):
    english = forms.post("/language", {"lang": "en", "next": "/shop"})
    assert english.status_code == 303 and english.headers["Location"] == "/en/shop"
    french = forms.post("/language", {"lang": "fr", "next": "/en/shop"})
    assert french.headers["Location"] == "/shop"
    # nothing is remembered: the French URL is still French
    assert html_lang(forms.client.get("/shop").text) == "fr"


def test_the_back_office_works_in_both_languages(seeded, client, admin):
    assert html_lang(client.get("/admin/products").text) == "fr"
    english = client.get("/en/admin/products")
    assert english.status_code == 200 and html_lang(english.text) == "en"
    assert 'href="/en/admin/products/new"' in english.text
