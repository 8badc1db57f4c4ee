"""Creating accounts and checking credentials."""

import logging
import secrets

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from store.accounts import tokens
from store.accounts.models import User, normalise_email
from store.database import LabelledEnum, set_labels, utcnow
from store.extensions import db
from store.mail.models import OutboxMessage
from store.mail.services import queue_message

logger = logging.getLogger(__name__)

# Checked against when the email is unknown, so a login takes as long either way.
_DUMMY_HASH: str | None = None


class EmailTaken(ValueError):
    """An account already uses this email."""


def find_user_by_email(email: str) -> User | None:
    """The account with this email, whatever its case."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def register_user(email: str, password: str, *, is_admin: bool = False, locale: str = "fr") -> User:
    """Create an account; raises EmailTaken when the email is in use."""
    if find_user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(email=normalise_email(email), is_admin=is_admin, locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    logger.info("account %s created", user.id)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the password matches, else None (same cost for unknown emails)."""
    global _DUMMY_HASH
    user = find_user_by_email(email)
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method="scrypt")
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if user.check_password(password) else None


def search_users(q: str):
    """The back office's customer list: emails matching `q`, newest account first; a query
    to paginate."""
    query = sa.select(User).order_by(User.created_at.desc(), User.id.desc())
    if q:
        # autoescape: a typed % or _ is searched for, not used as a wildcard
        query = query.where(User.email.icontains(q, autoescape=True))
    return query


# --- email confirmation ------------------------------------------------------------------

#: how long the link mailed at registration works
EMAIL_CONFIRM_MAX_AGE = 7 * 24 * 3600
EMAIL_CONFIRM_PURPOSE = "email-confirm"


class EmailConfirmation(LabelledEnum):
    """What following a confirmation link did; the label is what the customer reads."""

    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    EXPIRED = "expired"
    #: forged, cut, or for an address the account no longer has
    INVALID = "invalid"


set_labels(
    EmailConfirmation,
    {
        EmailConfirmation.CONFIRMED: _l("Thank you: your email address is confirmed."),
        EmailConfirmation.ALREADY_CONFIRMED: _l(
            "Your email address was already confirmed. Nothing more to do."
        ),
        EmailConfirmation.EXPIRED: _l(
            "This confirmation link has expired. Log in and ask for a new one from your account "
            "page."
        ),
        EmailConfirmation.INVALID: _l(
            "This confirmation link is not valid: it may be cut, or meant for an address your "
            "account no longer uses. Log in and ask for a new one from your account page."
        ),
    },
)


def queue_email_confirmation(user: User, *, resend: bool = False) -> OutboxMessage | None:
    """Mail the link that confirms the account's address (a resend gets a message of its own)."""
    key = f"email-confirm:{user.id}:{user.email}"
    if resend:
        # One key per resend: the n-th resend of this address is its own cause.
        sent = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.key.startswith(key, autoescape=True))
        )
        key = f"{key}:{sent}"
    token = tokens.make_token(EMAIL_CONFIRM_PURPOSE, {"user": user.id, "email": user.email})
    return queue_message(
        key,
        user.email,
        "email_confirm",
        locale=user.locale,
        action_url=url_for("accounts.confirm_email", token=token, _external=True),
        action_label=_l("Confirm my address"),
        days=EMAIL_CONFIRM_MAX_AGE // 86400,
    )


def confirm_email(token: str) -> EmailConfirmation:
    """Mark the address in a confirmation link as confirmed, if the link is genuine and fresh."""
    try:
        data = tokens.read_token(EMAIL_CONFIRM_PURPOSE, token, EMAIL_CONFIRM_MAX_AGE)
    except tokens.TokenExpired:
        return EmailConfirmation.EXPIRED
    except tokens.TokenInvalid:
        return EmailConfirmation.INVALID
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return EmailConfirmation.INVALID
    user = db.session.get(User, data["user"])
    if user is None or user.email != data.get("email"):
        return EmailConfirmation.INVALID
    if user.email_confirmed_at is not None:
        return EmailConfirmation.ALREADY_CONFIRMED
    user.email_confirmed_at = utcnow()
    db.session.flush()
    logger.info("user %s confirmed their email", user.id)
    return EmailConfirmation.CONFIRMED
