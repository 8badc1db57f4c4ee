"""Registration, login, logout and "Mon compte"."""

import hashlib
import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from store.access import purchases
from store.accounts import services
from store.accounts.forms import LoginForm, PasswordChangeForm, RegisterForm
from store.accounts.models import normalise_email
from store.extensions import db, limiter
from store.orders.services import order_for, orders_for
from store.payments import gateway
from store.payments.services import customer_for_user
from store.subscriptions.models import SubscriptionStatus
from store.subscriptions.services import subscriptions_for
from store.urls import safe_next

logger = logging.getLogger(__name__)

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _next_url(form) -> str:
    return safe_next(form.next.data or request.args.get("next"), url_for("accounts.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT"], methods=["POST"])
def register():
    """Create a customer account."""
    form = RegisterForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.email.data, form.password.data, locale=str(get_locale() or "fr")
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
            return redirect(_next_url(form), code=303)
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
            return _remember_device(redirect(_next_url(form), code=303), user.email)
        form.password.errors.append(_("Wrong email or password."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


def start_session(user, *, remember: bool = False) -> None:
    """Log the user in with a fresh CSRF token (a token seen before login is not trusted)."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    login_user(user, remember=remember)


@bp.post("/logout")
def logout():
    """Log out on every device: every session and remember-me cookie of the account ends
    (the cart stays in this browser's session)."""
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
        logger.info("user %s logged out everywhere", current_user.id)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("articles.index"), code=303)


#: how each outcome of a confirmation link is flashed
_CONFIRMATION_CATEGORIES = {
    services.EmailConfirmation.CONFIRMED: "success",
    services.EmailConfirmation.ALREADY_CONFIRMED: "info",
    services.EmailConfirmation.EXPIRED: "error",
    services.EmailConfirmation.INVALID: "error",
}


@bp.get("/email/confirm/<token>")
def confirm_email(token: str):
    """Follow the link mailed to confirm the account's address (a GET: a mail can't POST)."""
    outcome = services.confirm_email(token)
    db.session.commit()
    flash(str(outcome.label), _CONFIRMATION_CATEGORIES[outcome])
    target = "accounts.index" if current_user.is_authenticated else "accounts.login"
    return redirect(url_for(target), code=303)


@bp.post("/email/confirm")
@login_required
@limiter.limit(
    lambda: current_app.config["EMAIL_CONFIRM_RESEND_LIMIT"],
    key_func=lambda: f"email-confirm-resend:{current_user.get_id()}",
)
def resend_email_confirmation():
    """Mail the confirmation link again."""
    user = current_user._get_current_object()
    if user.email_confirmed_at is not None:
        flash(_("Your email address is already confirmed."), "info")
    else:
        services.queue_email_confirmation(user, resend=True)
        db.session.commit()
        flash(_("A new confirmation link is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.index"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=lambda: f"password-change:{current_user.get_id()}",
)
def password():
    """Change the password: every other session and remember-me cookie ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("Wrong password."))
        else:
            user = current_user._get_current_object()
            user.set_password(form.password.data)
            user.end_sessions()
            db.session.commit()
            start_session(user)  # this browser stays logged in, with the new version
            logger.info("user %s changed their password", user.id)
            flash(_("Your password is changed. Every other device is logged out."), "success")
            return redirect(url_for("accounts.index"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


def _account_page(shown_key=None):
    """Mon compte, with what each purchase gives; keys issued now are shown whole, once."""
    subscriptions = subscriptions_for(current_user)
    orders = orders_for(current_user)
    page = render_template(
        "accounts/index.html",
        subscription_grants=purchases.subscription_grants(current_user, subscriptions),
        order_grants=purchases.order_grants(current_user, orders),
        shown_key=shown_key,
        orders=orders,
        subscriptions=subscriptions,
        past_due=[s for s in subscriptions if s.status is SubscriptionStatus.PAST_DUE],
        has_customer=customer_for_user(current_user) is not None,
        download_limit=current_app.config["DOWNLOAD_LIMIT"],
    )
    db.session.commit()  # keys issued while rendering
    return page  # `no-store`, like every /account page (store/ops/private_pages.py)


@bp.get("")
@login_required
def index():
    """Mon compte: subscriptions and orders, newest first, and what each gives."""
    return _account_page()


@bp.post("/keys/<id:key_id>/regenerate")
@login_required
def regenerate_key(key_id: int):
    """Replace an access key (the old one stops at once) and show the new one, this once.

    The page is the response itself, not a redirect: a key shown once must not travel in a
    cookie or a URL."""
    shown = purchases.regenerate_key(current_user, key_id)
    if shown is None:
        if not purchases.owns_key(current_user, key_id):
            abort(404)
        # Their own key, already replaced (a double click, an old tab) or whose purchase ended.
        flash(
            _(
                "This key was already replaced, or its purchase has ended: your account shows "
                "the key in force, if any."
            ),
            "info",
        )
        return redirect(url_for("accounts.index"), code=303)
    logger.info("user %s regenerated access key %s", current_user.id, shown.row.prefix)
    return _account_page(shown_key=shown)


@bp.get("/orders/<number>")
@login_required
def order(number: str):
    """One of the customer's own orders."""
    found = order_for(current_user, number)
    if found is None:
        abort(404)
    return render_template("accounts/order.html", order=found)


@bp.post("/billing-portal")
@login_required
def billing_portal():
    """Open Stripe's customer portal for the customer's own Stripe customer."""
    customer = customer_for_user(current_user)
    if customer is None or not gateway.is_configured():
        flash(_("There is no subscription to manage yet."), "info")
        return redirect(url_for("accounts.index"), code=303)
    try:
        url = gateway.create_portal_session(
            customer.stripe_customer_id,
            return_url=url_for("accounts.index", _external=True),
            locale=str(get_locale() or "fr"),
        )
    except gateway.StripeError as error:
        logger.error("user %s: portal session failed: %s", current_user.id, error)
        flash(
            _("Stripe's customer portal is not reachable right now; please try again in a moment."),
            "error",
        )
        return redirect(url_for("accounts.index"), code=303)
    return redirect(url, code=303)
