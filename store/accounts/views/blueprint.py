"""The accounts blueprint, and what its screens share (where to go next, starting a session)."""

from flask import Blueprint, current_app, g, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from store.extensions import limiter
from store.urls import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/account")


def next_url(form) -> str:
    """Where a form sends the visitor after it: its `next`, if on this site, else the account."""
    return safe_next(form.next.data or request.args.get("next"), url_for("accounts.index"))


def start_session(user, *, remember: bool | None = None) -> None:
    """Log the user in with a fresh CSRF token (a token seen before login is not trusted).
    `remember` None: as this browser was (after a password or email change, its remember-me
    cookie holds the old session token and is written again with the new one)."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    if remember is None:
        remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in (
            request.cookies
        )
    login_user(user, remember=remember)


def link_invalid(again_url: str, message: str | None = None):
    """The 400 page of a mailed link that is expired, used or damaged, with a way to ask again."""
    return render_template(
        "accounts/link_invalid.html",
        again_url=again_url,
        message=message
        or _("This link has expired or has already been used. Ask for a new one below."),
    ), 400


def password_checked(action: str):
    """For a logged-in customer's form that asks for their password (change it, change the
    email, delete the account): its POSTs share the per-account limit of failed logins."""

    def decorate(view):
        limited = limiter.limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
            methods=["POST"],
            # the account's id: its session token changes with the password
            key_func=lambda: f"{action}:{current_user.id}",
        )(view)
        return login_required(limited)

    return decorate
