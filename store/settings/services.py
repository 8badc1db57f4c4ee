"""Reading and writing back-office settings, with their defaults."""

from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import g, has_request_context

from store.extensions import db
from store.settings.models import Setting

#: setting → default value
DEFAULTS = {
    # Days a past-due subscriber keeps reading while Stripe retries the payment.
    "grace_period_days": "7",
    # "1": every admin gets an email when a reader's comment waits for moderation.
    "notify_pending_comments": "1",
    # "1": Stripe Checkout shows a field for a promotion code (created in the Stripe dashboard).
    "allow_promotion_codes": "0",
    # The publisher's identity, shown on the mentions légales (store/legal/services.py).
    "publisher_name": "",
    "publisher_legal_form": "",
    "publisher_address": "",
    "publisher_registration": "",
    "publisher_vat_number": "",
    "publication_director": "",
    "host_name": "",
    "host_address": "",
    # The VAT rate in percent included in every price (prices are TTC), e.g. "20" or "5.5".
    "vat_rate": "20",
    # "1": Stripe Tax computes the tax at checkout (and asks for the billing address).
    "stripe_automatic_tax": "0",
}


_SETTING = sa.select(Setting.value).where(Setting.key == sa.bindparam("key"))
_ALL_SETTINGS = sa.select(Setting.key, Setting.value)


def _request_settings() -> dict[str, str] | None:
    """Every stored setting, read once per request (a page asks for several: the grace period
    for each purchase shown, the publisher identity's eight fields…); None outside a request."""
    if not has_request_context():
        return None
    if "settings" not in g:
        g.settings = {key: value for key, value in db.session.execute(_ALL_SETTINGS)}
    return g.settings


def get_setting(key: str) -> str:
    stored = _request_settings()
    value = stored.get(key) if stored is not None else db.session.scalar(_SETTING, {"key": key})
    return value if value is not None else DEFAULTS[key]


def set_setting(key: str, value: str) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    setting = db.session.get(Setting, key)
    if setting is None:
        db.session.add(Setting(key=key, value=value))
    else:
        setting.value = value
    db.session.flush()
    stored = _request_settings()
    if stored is not None:
        stored[key] = value


def grace_period_days() -> int:
    return int(get_setting("grace_period_days"))


def notify_pending_comments() -> bool:
    """Whether the admins hear by email of each comment that waits for moderation."""
    return get_setting("notify_pending_comments") == "1"


def allow_promotion_codes() -> bool:
    """Whether Stripe Checkout lets the customer type a promotion code."""
    return get_setting("allow_promotion_codes") == "1"


def vat_rate() -> Decimal:
    """The VAT rate in percent included in prices (Decimal("20"), Decimal("5.5"))."""
    try:
        rate = Decimal(get_setting("vat_rate"))
    except InvalidOperation:
        rate = Decimal(DEFAULTS["vat_rate"])  # the form stores only valid rates
    return rate if rate.is_finite() and 0 <= rate <= 100 else Decimal(DEFAULTS["vat_rate"])


def stripe_automatic_tax() -> bool:
    """Whether Stripe Tax computes the tax of each Checkout Session."""
    return get_setting("stripe_automatic_tax") == "1"
