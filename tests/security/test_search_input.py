"""SQL metacharacters in every search box and GET filter: never a server error, nothing
leaks or breaks, and the search reads what was typed literally.

The sensible behaviour documented here: a search finds the rows whose name (or slug, email,
number) *contains the typed text*, case-insensitively. `%`, `_` and `\\` are characters like
any other — an admin looking for "100%" or "offre_speciale" wants those, not every row.
"""

import re
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from werkzeug.routing import FloatConverter, IntegerConverter

from store.catalog.models import Product
from store.database import utcnow
from store.orders.models import Order, OrderStatus

HOSTILE_TERMS = [
    "' OR 1=1 --",
    "' OR '1'='1",
    '"; DROP TABLE product; --',
    "'; DELETE FROM customer_order; --",
    "' UNION SELECT email, password_hash FROM user_account --",
    "1; SELECT pg_sleep(5)",
    "%",
    "%%",
    "_",
    "\\",
    "\\%",
    "[a-z]*",
    "Écran 🚀 日本語 \u202e ﷽",
    "a" * 10_000,
]
#: the terms sent to every page (the whole list goes to the admin searches below)
WALK_TERMS = [
    "' OR 1=1 --",
    '"; DROP TABLE product; --',
    "' UNION SELECT email, password_hash FROM user_account --",
    "%",
    "_",
    "\\",
    '"*:-( NEAR(a b) AND title:x* "open quote',
    "Écran 🚀 日本語 \u202e ﷽",
    "a" * 10_000,
]
PAGE_VALUES = ["abc", "-1", "0", "1.5", "1e3", "", "2147483648", "99999"]
STORE = Path(__file__).resolve().parents[2] / "store"


def query_parameters() -> list[str]:
    """Every query parameter the store reads (`request.args.get("…")` in its source), so that
    a filter added later is covered too."""
    names = set()
    for source in STORE.rglob("*.py"):
        names.update(re.findall(r"request\.args\.get\(\s*[\"'](\w+)[\"']", source.read_text()))
    assert {"q", "status", "page", "next"} <= names
    return sorted(names)


def get_urls(app, term: str) -> list[str]:
    """Every GET page of the site, with `term` in each text part of its path."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {}
        for name, converter in rule._converters.items():
            is_number = isinstance(converter, (IntegerConverter, FloatConverter))
            values[name] = 1 if is_number else term
        urls.append(rule.build(values)[1] if values else rule.rule)
    return urls


@pytest.fixture
def catalogue(db, create_product, create_article):
    """The ids of each list's rows, by the text a search should find them with."""
    names = ["Remise 100%", "Offre_speciale", "Chemin C:\\temp", "Guide PDF", "Accès à GPT 4"]
    ids = {"products": {}, "articles": {}, "orders": {}}
    for name in names:
        ids["products"][name] = create_product(name=name).id
        ids["articles"][name] = create_article(title=name).id
    for number, email in enumerate(["cent%@example.org", "a_b@example.org", "c@example.org"]):
        order = Order(
            number=f"GA-SRCH000{number}",
            email=email,
            status=OrderStatus.PAID,
            currency="EUR",
            total_cents=700,
            mode="payment",
            created_at=utcnow(),
        )
        db.session.add(order)
        db.session.commit()
        ids["orders"][email] = order.id
    return ids


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_hostile_terms_in_every_query_parameter_never_fail(app, db, admin, catalogue):
    """Every GET page (as an admin, who may open them all), with the term in every query
    parameter the store reads, and in its path: a 2xx, 3xx or 4xx, never a 5xx."""
    before = (count(db, Product), count(db, Order))
    parameters = query_parameters()
    for term in WALK_TERMS:
        for url in get_urls(app, term):
            response = admin.client.get(url, query_string=dict.fromkeys(parameters, term))
            where = (url[:60], term[:40])
            assert response.status_code < 500, where
            page = response.get_data(as_text=True)
            assert "scrypt:" not in page and "pbkdf2:" not in page, where
    lists = [url for url in get_urls(app, "zz-sentinel") if "zz-sentinel" not in url]
    for value in PAGE_VALUES:
        for url in lists:
            response = admin.client.get(url, query_string={"page": value})
            assert response.status_code < 500, (url, value)
    db.session.rollback()
    assert (count(db, Product), count(db, Order)) == before


def found(page: str, kind: str) -> set[int]:
    """Ids of the rows a list shows (their edit or detail links)."""
    return {int(number) for number in re.findall(rf'href="/admin/{kind}/(\d+)"', page)}


@pytest.mark.parametrize("kind", ["products", "articles"])
def test_injection_attempts_find_nothing_and_words_find_their_row(admin, catalogue, kind):
    for term in ("' OR 1=1 --", "' OR '1'='1", '"; DROP TABLE product; --'):
        page = admin.client.get(f"/admin/{kind}?q={quote(term)}").get_data(as_text=True)
        assert found(page, kind) == set(), term
    page = admin.client.get(f"/admin/{kind}?q=guide").get_data(as_text=True)
    assert len(found(page, kind)) == 1
    everything = admin.client.get(f"/admin/{kind}").get_data(as_text=True)
    assert found(everything, kind) == set(catalogue[kind].values())


def literal_search(admin, catalogue, cases) -> list:
    """Search each term; returns the (list, term, rows found) that are not exactly the row
    named `expected`."""
    wrong = []
    for kind, term, expected in cases:
        page = admin.client.get(f"/admin/{kind}?q={quote(term)}").get_data(as_text=True)
        rows = found(page, kind)
        if rows != {catalogue[kind][expected]}:
            names = {number: text for text, number in catalogue[kind].items()}
            wrong.append((kind, term, sorted(names.get(row, row) for row in rows)))
    return wrong


def test_plain_words_find_their_one_row(admin, catalogue):
    cases = [
        ("products", "100", "Remise 100%"),
        ("products", "TEMP", "Chemin C:\\temp"),
        ("articles", "SPECIALE", "Offre_speciale"),
        ("orders", "SRCH0002", "c@example.org"),
        ("orders", "A_B@", "a_b@example.org"),
    ]
    assert literal_search(admin, catalogue, cases) == []


def test_percent_and_underscore_match_literally(admin, catalogue):
    cases = [
        ("products", "%", "Remise 100%"),
        ("products", "_", "Offre_speciale"),
        ("articles", "%", "Remise 100%"),
        ("articles", "_", "Offre_speciale"),
        ("orders", "%", "cent%@example.org"),
        ("orders", "_", "a_b@example.org"),
    ]
    assert literal_search(admin, catalogue, cases) == []


def test_backslash_matches_literally(admin, catalogue):
    cases = [("products", "\\", "Chemin C:\\temp"), ("articles", "\\", "Chemin C:\\temp")]
    assert literal_search(admin, catalogue, cases) == []


def test_an_address_typed_decomposed_finds_the_stored_one(admin, make_user):
    """Addresses are stored in NFC: the back office's search reads what it is typed the same
    way, whatever form the keyboard produced."""
    make_user("al\u00edce@example.org")
    page = admin.client.get("/admin/customers?q=ali\u0301ce").get_data(as_text=True)
    assert "al\u00edce@example.org" in page
