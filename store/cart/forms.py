"""Cart forms. Forms validate input only; the cart services apply the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange


class _ProductForm(FlaskForm):
    product_id = IntegerField(
        _l("Product"), validators=[InputRequired(_l("Choose a product.")), NumberRange(min=1)]
    )
    next = HiddenField()


class AddToCartForm(_ProductForm):
    quantity = IntegerField(
        _l("Quantity"),
        default=1,
        validators=[NumberRange(min=1, max=1000, message=_l("Enter a quantity from 1 to 1000."))],
    )


class UpdateCartForm(_ProductForm):
    quantity = IntegerField(
        _l("Quantity"),
        validators=[
            InputRequired(_l("Enter a quantity.")),
            NumberRange(min=0, max=1000, message=_l("Enter a quantity from 0 to 1000.")),
        ],
    )


class RemoveFromCartForm(_ProductForm):
    pass


class ClearCartForm(FlaskForm):
    next = HiddenField()
