"""Prices as people read them and type them, from integer cents."""

from decimal import Decimal

import pytest
from flask_babel import force_locale

from store.admin.services import format_price_input, parse_price
from store.catalog.models import Interval
from store.money import format_money, format_money_incl_vat, format_rate, vat_included


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


@pytest.mark.parametrize(
    "locale, interval, expected",
    [
        ("fr", None, "7,00\xa0€ TTC"),
        ("fr", Interval.MONTH, "7,00\xa0€ / mois TTC"),
        ("en", None, "€7.00 incl. VAT"),
        ("en", Interval.YEAR, "€7.00 / year incl. VAT"),
    ],
)
def test_a_price_for_shoppers_says_vat_included(app, locale, interval, expected):
    with app.test_request_context(), force_locale(locale):
        assert format_money_incl_vat(700, "EUR", interval) == expected


@pytest.mark.parametrize(
    "cents, rate, vat",
    [
        (700, "20", 117),  # 700 − round(583.33)
        (1900, "20", 317),
        (6400, "20", 1067),
        (600, "20", 100),  # exact: 500 before tax
        (1900, "5.5", 99),  # 1900 − round(1800.95)
        (1000, "2.1", 21),  # 1000 − round(979.43)
        (6, "20", 1),  # 6 − round(5.0)
        (3, "20", 0),  # 3 − round(2.5) rounds half up: 3 − 3
        (700, "0", 0),
        (700, "100", 350),
        (0, "20", 0),
        (2**31 - 1, "20", 357_913_941),  # no float anywhere: exact to the cent
    ],
)
def test_the_vat_inside_a_vat_included_amount(cents, rate, vat):
    assert vat_included(cents, Decimal(rate)) == vat


@pytest.mark.parametrize("rate, fr, en", [("20", "20", "20"), ("5.5", "5,5", "5.5")])
def test_a_vat_rate_is_written_as_the_reader_writes_numbers(app, rate, fr, en):
    with app.test_request_context():
        with force_locale("fr"):
            assert format_rate(Decimal(rate)) == fr
        with force_locale("en"):
            assert format_rate(Decimal(rate)) == en
