"""Money display: integer minor units in, a price as the shopper's locale writes it out.

Every amount shown or sent anywhere (pages, the back office's price field, structured data)
goes through here; nothing else divides cents by hand.
"""

from decimal import Decimal
from functools import lru_cache

from babel.numbers import get_currency_symbol
from flask_babel import format_currency, format_decimal, ngettext
from flask_babel import gettext as _

from store.catalog.models import Interval
from store.i18n import current_language


def major_units(cents: int) -> Decimal:
    """Minor units as an exact decimal amount: 700 → Decimal("7.00") (str gives "7.00")."""
    return Decimal(cents).scaleb(-2)


def format_money(cents: int, currency: str = "EUR", interval: Interval | None = None) -> str:
    """Format minor units for the active locale, with the renewal period when there is one:
    700 → "7,00 €", and with Interval.MONTH → "7,00 € / mois" in French."""
    return _money_in(current_language(), cents, currency, interval)


@lru_cache(maxsize=2048)
def _money_in(locale: str, cents: int, currency: str, interval: Interval | None) -> str:
    # Called with the active locale: a page shows the same few prices again and again, and
    # Babel takes a tenth of a millisecond to write one out.
    amount = format_currency(major_units(cents), currency)
    return f"{amount} {interval.label}" if interval else amount


def currency_symbol(currency: str) -> str:
    """The currency's sign as the locale writes it next to prices: "€", "$US" in French."""
    return get_currency_symbol(currency, locale=current_language())


def format_price(product, trial: bool = False) -> str:
    """A product's price as shoppers read it, with its billing period, VAT included:
    "7,00 € / mois TTC", "70,00 € / an TTC", "19,00 € TTC"; with `trial`, a subscription's free
    days first: "7 jours gratuits, puis 7,00 € / mois TTC"."""
    price = format_money_incl_vat(product.price_cents, product.currency, product.interval)
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


def format_money_incl_vat(
    cents: int, currency: str = "EUR", interval: Interval | None = None
) -> str:
    """A price as shoppers read it, VAT included (prices are TTC): "7,00 € / mois TTC" in French,
    "€7.00 / month incl. VAT" in English. The one place the suffix is written."""
    return _("%(price)s incl. VAT", price=format_money(cents, currency, interval))


def vat_included(cents: int, rate: Decimal) -> int:
    """The VAT contained in a VAT-included amount, in minor units: 700 at 20 % → 117.

    Integer arithmetic on the rate in basis points (validated to two decimals): the amount
    before tax, amount × 100 / (100 + rate), rounded half up, taken from the amount.
    """
    basis_points = int(rate * 100)
    denominator = 10_000 + basis_points
    before_tax = (2 * cents * 10_000 + denominator) // (2 * denominator)
    return cents - before_tax


def format_rate(rate: Decimal) -> str:
    """A VAT rate as the locale writes its number: Decimal("5.5") → "5,5" in French."""
    return format_decimal(rate, format="0.##")
