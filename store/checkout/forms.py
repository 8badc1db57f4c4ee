"""The checkout form: the two boxes to tick before paying."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from store.checkout.consent import IMMEDIATE_ACCESS_TEXT, TERMS_TEXT


class CheckoutForm(FlaskForm):
    # Unticked by default: the law wants an express, active agreement.
    immediate_access = BooleanField(
        IMMEDIATE_ACCESS_TEXT,
        validators=[
            DataRequired(
                _l(
                    "Tick the box asking for immediate access and waiving your 14-day right "
                    "of withdrawal."
                )
            )
        ],
    )
    accept_terms = BooleanField(
        TERMS_TEXT,
        validators=[DataRequired(_l("Tick the box accepting the terms and conditions of sale."))],
    )
