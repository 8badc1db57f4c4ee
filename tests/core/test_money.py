"""Prices as people read them and type them, from integer cents."""

import pytest
from flask_babel import force_locale

from store.admin.services import format_price_input, parse_price
from store.catalog.models import Interval
from store.money import format_money


@pytest.mark.parametrize(
    "locale, interval, expected",
    [
        ("fr", Interval.MONTH, "7,00\xa0€ / mois"),
        ("fr", Interval.YEAR, "7,00\xa0€ / an"),
        ("fr", None, "7,00\xa0€"),
        ("en", Interval.MONTH, "€7.00 / month"),
        ("en", Interval.YEAR, "€7.00 / year"),
    ],
)
def test_a_price_says_how_often_it_renews_in_the_reader_language(app, locale, interval, expected):
    with app.test_request_context(), force_locale(locale):
        assert format_money(700, "EUR", interval) == expected


@pytest.mark.parametrize("cents", [0, 5, 70, 700, 123456, 99_999_999])
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_price_field_shows_a_price_the_back_office_reads_back_unchanged(app, cents, locale):
    with app.test_request_context(), force_locale(locale):
        assert parse_price(format_price_input(cents)) == cents


def test_the_price_field_is_written_the_french_way(app):
    with app.test_request_context(), force_locale("fr"):
        assert [format_price_input(cents) for cents in (700, 5, 123456)] == [
            "7,00",
            "0,05",
            "1234,56",
        ]
