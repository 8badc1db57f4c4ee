"""Back-office forms for the legal pages and the publisher's identity."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from store.legal.services import IDENTITY_FIELDS

#: the settings table holds at most 500 characters per value
IDENTITY_MAX_LENGTH = 500


class LegalPageForm(FlaskForm):
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[Length(max=200_000, message=_l("The text is too long."))],
    )


class IdentityForm(FlaskForm):
    """One field per identity setting, built from IDENTITY_FIELDS."""


for _field in IDENTITY_FIELDS:
    setattr(
        IdentityForm,
        _field.key,
        (TextAreaField if _field.multiline else StringField)(
            _field.label,
            description=None if _field.required else _l("Optional."),
            validators=[
                Length(
                    max=IDENTITY_MAX_LENGTH,
                    message=_l("At most %(max)d characters.", max=IDENTITY_MAX_LENGTH),
                )
            ],
        ),
    )
