"""Creating accounts and checking credentials."""

import hashlib
import hmac
import logging
import secrets

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from store.accounts import tokens
from store.accounts.models import User, normalise_email
from store.database import LabelledEnum, contains_text, set_labels, utcnow
from store.extensions import db
from store.i18n import current_language
from store.mail.models import OutboxMessage
from store.mail.services import queue_message, render_message
from store.orders.services import WHOLE_EMAIL
from store.urls import valid_id

logger = logging.getLogger(__name__)

# Checked against when the email is unknown, so a login takes as long either way.
_DUMMY_HASH: str | None = None


class EmailTaken(ValueError):
    """An account already uses this email."""


def find_user_by_email(email: str) -> User | None:
    """The account with this email, whatever its case and Unicode form. The form typed is
    preferred when an account has exactly it: migration d2a9c4e7f013 left an address as it
    was where its NFC form belonged to another account, and its owner still logs in with it."""
    typed, normal = email.strip().lower(), normalise_email(email)
    found = {
        user.email: user
        for user in db.session.scalars(sa.select(User).where(User.email.in_({typed, normal})))
    }
    return found.get(typed) or found.get(normal)


def register_user(email: str, password: str, *, is_admin: bool = False, locale: str = "fr") -> User:
    """Create an account; raises EmailTaken when the email is in use, also when a concurrent
    registration of it (a double click) was stored first (the session is then rolled back)."""
    if find_user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(email=normalise_email(email), is_admin=is_admin, locale=locale)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:
        # Nothing else is written before an account exists: undoing everything loses nothing.
        db.session.rollback()
        raise EmailTaken(email) from error
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
    if WHOLE_EMAIL.match(q):
        query = query.where(User.email == normalise_email(q))  # the unique index
    elif q:
        query = query.where(contains_text(User.email, q))  # pg_trgm's index
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


# --- password reset and email change ---------------------------------------------------

#: a password-reset link works this long, and once
RESET_MAX_AGE = 3600
#: an email-change link works this long, and once
EMAIL_CHANGE_MAX_AGE = 24 * 3600


def _fingerprint(*parts: object) -> str:
    material = ":".join(str(part) for part in parts)
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, material.encode(), hashlib.sha256).hexdigest()[:32]


def reset_fingerprint(user: User) -> str:
    """Changes whenever the password, the email or the session token changes: a reset link
    stops working after any of those (its own use included)."""
    return _fingerprint(user.id, user.email, user.password_hash, user.session_token)


def password_fingerprint(user: User) -> str:
    """Changes with the password: a password change stops a pending email change."""
    return _fingerprint(user.id, user.password_hash)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def request_password_reset(email: str) -> None:
    """Queue a reset link if an account uses `email`; the same work, and nothing said, if not."""
    user = find_user_by_email(email)
    # An unknown address makes and renders a message too, so both answers take as long.
    if user is None:
        fingerprint = _fingerprint(0, normalise_email(email), "-", 1)
    else:
        fingerprint = reset_fingerprint(user)
    token = tokens.make_token("password-reset", {"user": user.id if user else 0, "fp": fingerprint})
    context = {"action_url": url_for("accounts.reset_password", token=token, _external=True)}
    if user is None:
        render_message("password_reset", current_language(), **context)
        logger.info("password reset asked for an unknown address")
        return
    queue_message(
        f"password-reset:{user.id}:{_digest(token)}",
        user.email,
        "password_reset",
        locale=user.locale,
        **context,
    )
    logger.info("password reset link queued for user %s", user.id)


def user_for_reset_token(token: str) -> User | None:
    """The account a reset link is for, while the link is valid (1 hour, unused)."""
    data = tokens.valid_token("password-reset", token, RESET_MAX_AGE)
    if data is None:
        return None
    user_id, fingerprint = valid_id(data.get("user")), data.get("fp")
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not isinstance(fingerprint, str):
        return None
    return user if hmac.compare_digest(fingerprint, reset_fingerprint(user)) else None


def set_new_password(user: User, password: str) -> None:
    """Replace the password; every session and link of the account ends, and the account's
    address is told (whoever changed it, the owner learns of it)."""
    user.set_password(password)
    user.end_sessions()
    db.session.flush()
    queue_message(
        # One notice per new password, however often the request is replayed.
        f"password-changed:{user.id}:{password_fingerprint(user)}",
        user.email,
        "password_changed",
        locale=user.locale,
        reset_url=url_for("accounts.forgot_password", _external=True),
    )
    logger.info("user %s set a new password", user.id)


def request_email_change(user: User, new_email: str) -> None:
    """Mail a confirmation link to the new address and a notice to the old one; raises
    EmailTaken when another account uses the new address."""
    new_email = normalise_email(new_email)
    if find_user_by_email(new_email) is not None:
        raise EmailTaken(new_email)
    token = tokens.make_token(
        "email-change",
        {"user": user.id, "old": user.email, "new": new_email, "fp": password_fingerprint(user)},
    )
    digest = _digest(token)
    queue_message(
        f"email-change:{user.id}:{digest}",
        new_email,
        "email_change_confirm",
        locale=user.locale,
        action_url=url_for("accounts.confirm_email_change", token=token, _external=True),
        old_email=user.email,
        new_email=new_email,
    )
    queue_message(
        f"email-change-notice:{user.id}:{digest}",
        user.email,
        "email_change_notice",
        locale=user.locale,
        new_email=new_email,
    )
    logger.info("user %s asked to change their email", user.id)


class LinkInvalid(ValueError):
    """The link expired, was used, or was not made by the store."""


def email_change_for_token(token: str) -> tuple[User, str]:
    """The account and new address a change link is for; raises LinkInvalid, or EmailTaken
    when another account took the new address meanwhile."""
    data = tokens.valid_token("email-change", token, EMAIL_CHANGE_MAX_AGE)
    if data is None:
        raise LinkInvalid(token)
    user_id, old, new = valid_id(data.get("user")), data.get("old"), data.get("new")
    fingerprint = data.get("fp")
    user = db.session.get(User, user_id) if user_id else None
    # Once followed, the account's email is no longer `old`: the link works once.
    if (
        user is None
        or not isinstance(new, str)
        or not isinstance(fingerprint, str)
        or user.email != old
        or not hmac.compare_digest(fingerprint, password_fingerprint(user))
    ):
        raise LinkInvalid(token)
    other = find_user_by_email(new)
    if other is not None and other.id != user.id:
        raise EmailTaken(new)
    return user, new


def change_email(user: User, new_email: str) -> None:
    """Give the account its new, confirmed address (following the link confirmed it); every
    session of the account ends, as after a password change."""
    user.email = normalise_email(new_email)
    user.email_confirmed_at = utcnow()
    user.end_sessions()
    db.session.flush()
    logger.info("user %s changed their email", user.id)
