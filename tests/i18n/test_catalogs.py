"""Every interface string is in both catalogs, and the switcher changes the language."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from store.catalog.models import Billing

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "store" / "translations"


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> set[str]:
    """The msgids extracted now from the Python code and the templates."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as file:
        return {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in read_po(file)
            if message.id
        }


def catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=locale)


def test_every_string_has_a_french_translation(source_messages):
    french = catalog("fr")
    translated = {}
    for message in french:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[key] = all(strings) and not message.fuzzy
    missing = sorted(m for m in source_messages if not translated.get(m))
    assert missing == [], f"add these to the French catalog (see README): {missing}"


def test_every_string_is_in_the_english_catalog(source_messages):
    english = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog("en") if m.id}
    assert sorted(source_messages - english) == []


def test_the_catalogs_are_compiled():
    for locale in ("fr", "en"):
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").exists(), locale


def test_french_at_the_root_english_under_en(client, forms, create_product):
    product = create_product(name="Accès", price_cents=700, billing=Billing.MONTHLY)
    page = client.get("/cart").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Votre panier est vide" in page

    english = client.get("/en/cart").get_data(as_text=True)
    assert '<html lang="en">' in english and "Your cart is empty" in english

    added = forms.post("/en/cart/add", {"product_id": product.id})
    assert added.headers["Location"] == "/en/cart"
    page = client.get("/en/cart").get_data(as_text=True)
    assert "€7.00 / month" in page and "Your Cart" in page
    assert "7,00\xa0€ / mois" in client.get("/cart").get_data(as_text=True)


def test_an_unknown_language_is_ignored(client, forms):
    forms.post("/language", {"lang": "xx", "next": "https://evil.example/"})
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
