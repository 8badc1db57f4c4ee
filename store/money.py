"""Money display: integer minor units in, a price as the shopper's locale writes it out.

Every amount shown or sent anywhere (pages, the back office's price field, structured data)
goes through here; nothing else divides cents by hand.
"""

from decimal import Decimal

from babel.numbers import get_currency_symbol
from flask_babel import format_currency, format_decimal, get_locale, ngettext

from store.catalog.models import Interval


def major_units(cents: int) -> Decimal:
    """Minor units as an exact decimal amount: 700 → Decimal("7.00") (str gives "7.00")."""
    return Decimal(cents).scaleb(-2)


def format_money(cents: int, currency: str = "EUR", interval: Interval | None = None) -> str:
    """Format minor units for the active locale, with the renewal period when there is one:
    700 → "7,00 €", and with Interval.MONTH → "7,00 € / mois" in French."""
    amount = format_currency(major_units(cents), currency)
    return f"{amount} {interval.label}" if interval else amount


def currency_symbol(currency: str) -> str:
    """The currency's sign as the locale writes it next to prices: "€", "$US" in French."""
    return get_currency_symbol(currency, locale=get_locale() or "fr")


def format_price(product, trial: bool = False) -> str:
    """A product's price with its billing period: "7,00 € / mois", "70,00 € / an", "19,00 €";
    with `trial`, a subscription's free days first: "7 jours gratuits, puis 7,00 € / mois"."""
    price = format_money(product.price_cents, product.currency, product.interval)
    if trial and product.offers_trial:
        return ngettext(
            "%(num)d day free, then %(price)s",
            "%(num)d days free, then %(price)s",
            product.trial_days,
            price=price,
        )
    return price


def format_amount_input(cents: int) -> str:
    """An amount as a person types it into a price field, without grouping: 123456 → "1234,56"."""
    return format_decimal(major_units(cents), format="0.00")
