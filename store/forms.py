"""Helpers shared by the forms of several features."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length


def strip(value):
    """WTForms filter: drop the spaces around a typed value (None stays None)."""
    return value.strip() if isinstance(value, str) else value


def email_field(label=None) -> EmailField:
    """The required email field of every form that asks for one (trimmed, checked, ≤ 254)."""
    return EmailField(
        label or _l("Email"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )
