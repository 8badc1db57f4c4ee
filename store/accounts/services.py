"""Creating accounts and checking credentials."""

import logging
import secrets

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from store.accounts.models import User, normalise_email
from store.extensions import db

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
