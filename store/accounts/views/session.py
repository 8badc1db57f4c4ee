"""Registration, login (with its limits and the known-device cookie) and logout."""

import hashlib
import logging

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from store.accounts import services
from store.accounts.forms import (
    LoginForm,
    RegisterForm,
)
from store.accounts.models import normalise_email
from store.accounts.views.blueprint import bp, next_url, start_session
from store.extensions import db, limiter
from store.i18n import current_language

logger = logging.getLogger(__name__)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT"], methods=["POST"])
def register():
    """Create a customer account."""
    form = RegisterForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.email.data, form.password.data, locale=current_language()
            )
        except services.EmailTaken:
            form.email.errors.append(
                _("An account already uses this email. Log in instead, or use another email.")
            )
        else:
            services.queue_email_confirmation(user)
            db.session.commit()
            start_session(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(next_url(form), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form), status


# Login guesses are capped three ways: per address (every attempt), per account and address
# (failures only), and per account from every address (failures only). The last one is what a
# distributed attack meets; the owner's own browser, which holds a signed "known device" cookie
# from an earlier login to that account, is exempt from it, so an attacker who fails on purpose
# cannot lock the owner out (OWASP's device-cookie scheme).

KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_DAYS = 180


def _login_email() -> str:
    return normalise_email(request.form.get("email", ""))


def _login_account_key() -> str:
    return "login-account:" + _login_email()


def _login_account_address_key() -> str:
    return f"login-account-address:{_login_email()}:{get_remote_address()}"


def _login_failed(response) -> bool:
    return response.status_code == 400


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _account_tag(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:24]


def _device_tags(max_age: int | None = None) -> list[str]:
    """The accounts this browser logged in to before (from its signed cookie)."""
    value = request.cookies.get(KNOWN_DEVICE_COOKIE, "")
    try:
        tags = _device_serializer().loads(value, max_age=max_age)
    except (BadSignature, ValueError, UnicodeError):
        return []
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def _known_device() -> bool:
    """This browser logged in to the account being tried before."""
    return _account_tag(_login_email()) in _device_tags(max_age=KNOWN_DEVICE_DAYS * 86400)


def _remember_device(response, email: str):
    """Mark this browser as one the account's owner uses (up to 5 accounts per browser)."""
    tag = _account_tag(email)
    tags = [tag, *[other for other in _device_tags() if other != tag][:4]]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        _device_serializer().dumps(tags),
        max_age=KNOWN_DEVICE_DAYS * 86400,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path=url_for("accounts.login"),
    )
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_login_account_address_key,
    deduct_when=_login_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"],
    methods=["POST"],
    key_func=_login_account_key,
    deduct_when=_login_failed,
    exempt_when=_known_device,
)
def login():
    """Log in with email and password."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            logger.info("user %s logged in", user.id)
            return _remember_device(redirect(next_url(form), code=303), user.email)
        form.password.errors.append(_("Wrong email or password."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Log out on every device: every session and remember-me cookie of the account ends
    (the cart stays in this browser's session)."""
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
        logger.info("user %s logged out everywhere", current_user.id)
    logout_user()
    # An anonymous visitor's forms carry no token: with an empty cart, the session (and its
    # cookie) ends once the message below is shown.
    session.pop("csrf_token", None)
    flash(_("You are logged out."), "info")
    return redirect(url_for("articles.index"), code=303)
