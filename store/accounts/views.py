"""Registration, login, logout and "Mon compte" with its self-service (password, email,
export, deletion)."""

import hashlib
import json
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
from sqlalchemy.exc import IntegrityError

from store.access import purchases
from store.accounts import privacy, services
from store.accounts.forms import (
    ConfirmForm,
    DeleteAccountForm,
    EmailChangeForm,
    LoginForm,
    PasswordChangeForm,
    PasswordForgotForm,
    PasswordResetForm,
    RegisterForm,
)
from store.accounts.models import normalise_email
from store.database import utcnow
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


# --- password reset ----------------------------------------------------------------------


def _reset_email_key() -> str:
    return "password-reset-email:" + normalise_email(request.form.get("email", ""))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_EMAIL"],
    methods=["POST"],
    key_func=_reset_email_key,
)
def forgot_password():
    """Ask for a password-reset link; the answer never says whether the address has an
    account."""
    form = PasswordForgotForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If an account uses %(email)s, a link to choose a new password is on its way "
                "there. It works for one hour.",
                email=normalise_email(form.email.data),
            ),
            "info",
        )
        return redirect(url_for("accounts.forgot_password"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/forgot.html", form=form), status


def _link_invalid(again_url: str, message: str | None = None):
    return render_template(
        "accounts/link_invalid.html",
        again_url=again_url,
        message=message
        or _("This link has expired or has already been used. Ask for a new one below."),
    ), 400


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a mailed link (1 hour, once); it logs the customer in."""
    user = services.user_for_reset_token(token)
    if user is None:
        page, status = _link_invalid(url_for("accounts.forgot_password"))
    else:
        form = PasswordResetForm()
        if form.validate_on_submit():
            services.set_new_password(user, form.password.data)
            db.session.commit()
            start_session(user)
            logger.info("user %s reset their password", user.id)
            flash(_("Your new password is set. You are logged in."), "success")
            return redirect(url_for("accounts.index"), code=303)
        page = render_template("accounts/reset.html", form=form, token=token)
        status = 400 if request.method == "POST" else 200
    return page, status


# --- email change ------------------------------------------------------------------------


@bp.route("/email", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=lambda: f"email-change:{current_user.get_id()}",
)
def email():
    """Change the email address: it changes once the link mailed to the new one is followed."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        new_email = normalise_email(form.email.data)
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("Wrong password."))
        elif new_email == current_user.email:
            form.email.errors.append(_("This is already your address."))
        else:
            try:
                services.request_email_change(current_user._get_current_object(), new_email)
            except services.EmailTaken:
                form.email.errors.append(_("Another account uses this email."))
            else:
                db.session.commit()
                flash(
                    _(
                        "We sent a link to %(email)s: your address changes when you follow it "
                        "(within 24 hours). Until then, keep logging in with %(old)s.",
                        email=new_email,
                        old=current_user.email,
                    ),
                    "info",
                )
                return redirect(url_for("accounts.index"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/email.html", form=form), status


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Confirm a new email address from the mailed link (a button: the link alone changes
    nothing, so a mail scanner opening it cannot)."""
    try:
        user, new_email = services.email_change_for_token(token)
    except services.LinkInvalid:
        return _link_invalid(
            url_for("accounts.email"),
            _(
                "This link has expired or has already been used. Ask for a new one from your "
                "account."
            ),
        )
    except services.EmailTaken:
        return _link_invalid(
            url_for("accounts.email"),
            _("Another account uses this address now: it cannot be yours too."),
        )
    form = ConfirmForm()
    if form.validate_on_submit():
        services.change_email(user, new_email)
        try:
            db.session.commit()
        except IntegrityError:  # another account took the address this very moment
            db.session.rollback()
            return _link_invalid(
                url_for("accounts.email"),
                _("Another account uses this address now: it cannot be yours too."),
            )
        flash(_("Your email address is now %(email)s.", email=new_email), "success")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("accounts.index"), code=303)
        return redirect(url_for("accounts.login"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/email_confirm.html", form=form, new_email=new_email), status


# --- export and deletion -------------------------------------------------------------------


@bp.get("/export")
@login_required
def export():
    """Download everything the store keeps about the account, as JSON."""
    data = privacy.export_data(current_user._get_current_object())
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", mimetype="application/json"
    )
    filename = f"account-{utcnow():%Y-%m-%d}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    logger.info("user %s exported their data", current_user.id)
    return response


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=lambda: f"account-delete:{current_user.get_id()}",
)
def delete_account():
    """Delete the account, confirmed with the password (orders and payments stay, anonymised)."""
    form = DeleteAccountForm()
    if current_user.is_admin:
        # The back office must keep someone who can reach it.
        form.form_errors.append(_("An administrator account cannot be deleted here."))
    elif form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("Wrong password. Nothing was deleted."))
        else:
            try:
                privacy.delete_account(current_user._get_current_object())
            except privacy.CancellationFailed as error:
                db.session.rollback()
                logger.error("account deletion stopped: Stripe did not cancel %s", error)
                form.current.errors.append(
                    _(
                        "Your subscription could not be cancelled at Stripe right now, so "
                        "nothing was deleted. Please try again in a moment."
                    )
                )
            else:
                db.session.commit()
                logout_user()
                flash(_("Your account is deleted."), "success")
                return redirect(url_for("accounts.deleted"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/delete.html", form=form), status


@bp.get("/deleted")
def deleted():
    """What was erased with the account, and what the law makes the store keep."""
    return render_template("accounts/deleted.html")
