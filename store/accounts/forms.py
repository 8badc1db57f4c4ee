"""Registration, login and account self-service forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from store.forms import email_field, strip


def new_password_field(label=None) -> PasswordField:
    """A password being chosen: 8 to 200 characters."""
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(min=8, max=200, message=_l("Use at least 8 characters.")),
        ],
    )


def confirm_field() -> PasswordField:
    return PasswordField(
        _l("Password again"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )


def current_password_field() -> PasswordField:
    return PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your password."))]
    )


class RegisterForm(FlaskForm):
    email = email_field()
    password = new_password_field()
    confirm = confirm_field()
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current = current_password_field()
    password = new_password_field(_l("New password"))
    confirm = confirm_field()


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"), filters=[strip], validators=[DataRequired(_l("Enter your email address."))]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Remember me"))
    next = HiddenField()


class PasswordForgotForm(FlaskForm):
    email = email_field()


class PasswordResetForm(FlaskForm):
    password = new_password_field(_l("New password"))
    confirm = confirm_field()


class EmailChangeForm(FlaskForm):
    email = email_field(_l("New email address"))
    current = current_password_field()


class ConfirmForm(FlaskForm):
    """A button that confirms what a mailed link asks (a link alone changes nothing)."""


class DeleteAccountForm(FlaskForm):
    # Named like the password-change form's field: the password the account has now.
    current = current_password_field()
