"""Users: customers and admins share one login."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from store.database import UTCDateTime, utcnow
from store.extensions import Model


def normalise_email(email: str) -> str:
    """Emails are unique case-insensitively: store and look them up lower-cased."""
    return email.strip().lower()


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: lower-cased, so uniqueness is case-insensitive
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: admins reach /admin with the same login as customers
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: part of every session and remember-me cookie; raising it ends them all at once
    #: (logout, a password change, the admin's "log out everywhere")
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: the language of the messages sent to them ("fr" / "en"): the one they used last
    locale: Mapped[str] = mapped_column(sa.String(5), default="fr", server_default="fr")
    #: when the owner followed the link mailed to `email`; None while unconfirmed (the
    #: account works meanwhile; accounts older than confirmation emails start unconfirmed)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: "<id>:<version>"."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every session and remember-me cookie of this user stops working."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id}>"
