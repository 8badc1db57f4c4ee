"""Money display: integer minor units in, a price as the shopper's locale writes it out."""

from decimal import Decimal

from babel.numbers import get_currency_symbol
from flask_babel import format_currency, get_locale, gettext

from store.catalog.models import Billing


def format_money(cents: int, currency: str = "EUR") -> str:
    """Format minor units for the active locale: 700 → "7,00 €" in French."""
    return format_currency(Decimal(cents).scaleb(-2), currency)


def currency_symbol(currency: str) -> str:
    """The currency's sign as the locale writes it next to prices: "€", "$US" in French."""
    return get_currency_symbol(currency, locale=get_locale() or "fr")


def format_price(product) -> str:
    """A product's price with its billing period: "7,00 € / mois", "70,00 € / an", "19,00 €"."""
    amount = format_money(product.price_cents, product.currency)
    if product.billing is Billing.MONTHLY:
        return f"{amount} {gettext('/ month')}"
    if product.billing is Billing.YEARLY:
        return f"{amount} {gettext('/ year')}"
    return amount
