"""What a page builds once per process and then looks up: links (store/__init__.py
`Store.url_for`), prices (store/money.py), dates (store/templating.py `format_date`) and the
layout's fragments (templates/base.html `fragment`). A page still gets the links, words and
numbers of its own language, its own mount point and, for absolute links without PUBLIC_URL,
its own host, whatever page was built before it, and never another visitor's login or cart."""

import re

import pytest
from flask_babel import force_locale

from store.catalog.models import Interval
from store.money import format_money, format_money_incl_vat
from tests.conftest import logged_in, visitor

ARTICLE = "/articles/differend-openai-elon-musk-blague-proces"


def nav_links(page: str) -> list[str]:
    nav = re.search(r'<nav class="main-nav".*?</nav>', page, re.S).group(0)
    return re.findall(r'href="([^"]+)"', nav)


def canonical(page: str) -> str:
    return re.search(r'<link rel="canonical" href="([^"]+)">', page).group(1)


def test_pages_read_one_after_another_keep_their_own_language_links(client, seeded):
    for path, prefix in [("/", ""), ("/en/", "/en"), ("/", ""), ("/en/shop", "/en"), ("/shop", "")]:
        page = client.get(path).get_data(as_text=True)
        assert nav_links(page)[:3] == [f"{prefix}/", f"{prefix}/shop", f"{prefix}/cart"], path


def test_a_store_mounted_under_a_path_links_under_it_and_not_elsewhere(client, seeded):
    mounted = client.get("/", base_url="http://localhost/news").get_data(as_text=True)
    assert nav_links(mounted)[:2] == ["/news/", "/news/shop"]
    english = client.get("/en/", base_url="http://localhost/news").get_data(as_text=True)
    assert nav_links(english)[:2] == ["/news/en/", "/news/en/shop"]
    plain = client.get("/").get_data(as_text=True)
    assert nav_links(plain)[:2] == ["/", "/shop"]


@pytest.mark.parametrize("app_config", [{"PUBLIC_URL": ""}])
def test_without_a_public_url_absolute_links_follow_each_request_host(client, seeded):
    first = client.get(ARTICLE, headers={"Host": "one.example"}).get_data(as_text=True)
    second = client.get(ARTICLE, headers={"Host": "two.example"}).get_data(as_text=True)
    assert canonical(first) == f"http://one.example{ARTICLE}"
    assert canonical(second) == f"http://two.example{ARTICLE}"
    secure = client.get(ARTICLE, base_url="https://two.example").get_data(as_text=True)
    assert canonical(secure) == f"https://two.example{ARTICLE}"


def test_the_same_price_is_written_in_each_language_it_is_read_in(app):
    with app.test_request_context():
        for locale, expected in [("fr", "7,00\xa0€ / mois"), ("en", "€7.00 / month")] * 2:
            with force_locale(locale):
                assert format_money(700, "EUR", Interval.MONTH) == expected
                assert format_money_incl_vat(700, "EUR", Interval.MONTH).startswith(expected)
                assert format_money(701, "EUR") != format_money(700, "EUR")


def layout(page: str) -> str:
    """The page without its <main>: what base.html renders around every page."""
    return re.sub(r'<main id="main".*?</main>', "", page, flags=re.S)


def test_the_layout_rendered_once_never_shows_one_visitor_what_belongs_to_another(
    app, seeded, make_user
):
    """The layout's fragments (base.html `fragment`) are kept from the first page that rendered
    them: an admin and a cart holder go first, a new visitor then finds nothing of theirs."""
    admin = make_user("boss@example.org", admin=True)
    boss = logged_in(app, admin)
    seen_by_admin = boss.client.get("/").get_data(as_text=True)
    boss.post("/cart/add", {"product_id": 1})
    seen_with_cart = boss.client.get("/").get_data(as_text=True)
    assert 'href="/admin' in seen_by_admin and "Se déconnecter" in seen_by_admin
    assert 'data-testid="cart-count">1<' in seen_with_cart
    newcomer = layout(visitor(app).client.get("/").get_data(as_text=True))
    assert 'href="/admin' not in newcomer and "boss@example.org" not in newcomer
    assert "Se déconnecter" not in newcomer and "Se connecter" in newcomer
    assert 'data-testid="cart-count">0<' in newcomer and "Votre panier est vide" in newcomer


def test_the_layout_is_in_the_language_of_each_page_whichever_came_first(client, seeded):
    english = layout(client.get("/en/shop").get_data(as_text=True))
    french = layout(client.get("/shop").get_data(as_text=True))
    for page, words, other in [
        (english, ["Your cart is empty", "Legal notice", "Search the news"], "Mentions légales"),
        (french, ["Votre panier est vide", "Mentions légales", "Rechercher"], "Legal notice"),
    ]:
        assert all(word in page for word in words), words
        assert other not in page
    assert 'href="/en/cgv"' in english and 'href="/cgv"' in french


def test_the_same_date_is_written_in_each_language_it_is_read_in(app):
    from datetime import UTC, datetime

    from store.templating import format_date

    published = datetime(2024, 4, 2, 9, 30, tzinfo=UTC)
    with app.test_request_context():
        for locale, expected in [("fr", "2 avril 2024"), ("en", "2 April 2024")] * 2:
            with force_locale(locale):
                assert format_date(published) == expected
