"""Users: customers and admins share one login."""

import hmac
import secrets
import unicodedata
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from store.database import UTCDateTime, utcnow
from store.extensions import Model


def normalise_email(email: str) -> str:
    """Emails are unique case-insensitively and whatever the Unicode form a keyboard typed
    (`í` as one character or as `i` and an accent): store and look them up in NFC, lower-cased."""
    return unicodedata.normalize("NFC", email.strip()).lower()


def new_session_token() -> str:
    """A random value no other account, past or future, will ever carry (256 bits)."""
    return secrets.token_urlsafe(32)


class User(UserMixin, Model):
    __tablename__ = "user_account"
    # An id is never given twice, even after the newest account is deleted (SQLite reuses the
    # highest deleted rowid without AUTOINCREMENT; PostgreSQL's sequences never go back).
    # The back office lists accounts newest first.
    __table_args__ = (
        sa.Index("ix_user_account_created", "created_at", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: lower-cased, so uniqueness is case-insensitive
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: admins reach /admin with the same login as customers
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: part of every session and remember-me cookie, random per account: a new one ends them
    #: all at once (logout, a password or email change, the admin's "log out everywhere"),
    #: and a cookie of a deleted account opens no other, whatever id that one gets
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    #: the language of the messages sent to them ("fr" / "en"): the one they used last
    locale: Mapped[str] = mapped_column(sa.String(5), default="fr", server_default="fr")
    #: when the owner followed the link mailed to `email`; None while unconfirmed (the
    #: account works meanwhile; accounts older than confirmation emails start unconfirmed)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: "<id>:<token>"."""
        return f"{self.id}:{self.session_token}"

    def opens_with(self, token: str) -> bool:
        """Whether a session or cookie carrying `token` is one of this account's current ones."""
        return bool(self.session_token) and hmac.compare_digest(
            self.session_token.encode(), token.encode()
        )

    def end_sessions(self) -> None:
        """Every session and remember-me cookie of this user stops working."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id}>"
