"""The "Leave a Reply" form."""

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from store.forms import email_field


def http_url(form, field) -> None:
    """Accept only http(s) links with a host, so a website cannot carry `javascript:`."""
    message = _l("Enter a website address starting with http:// or https://.")
    try:
        parts = urlsplit(field.data or "")
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError as error:  # "http://[::1": an unclosed or invalid IPv6 host
        raise ValidationError(message) from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(message)


class CommentForm(FlaskForm):
    """A visitor's comment: they say who they are."""

    body = TextAreaField(
        _l("Comment"),
        validators=[
            DataRequired(_l("Write your comment.")),
            Length(max=5000, message=_l("Keep your comment under 5000 characters.")),
        ],
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=80, message=_l("Keep your name under 80 characters.")),
        ],
    )
    email = email_field()
    website = URLField(
        _l("Website"),
        validators=[Optional(), Length(max=300), http_url],
    )
    #: honeypot: hidden from people, filled in by simple bots
    nickname = StringField(_l("Leave this field empty"))


class AccountCommentForm(CommentForm):
    """A logged-in customer's comment: the account gives the email; the name they sign with is
    theirs to choose (an address is never published, not even its first half)."""

    email = None
