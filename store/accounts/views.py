"""Registration, login, logout and "Mon compte"."""

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from store.access import purchases
from store.accounts import services
from store.accounts.forms import LoginForm, RegisterForm
from store.accounts.models import normalise_email
from store.extensions import db, limiter
from store.orders.services import order_for, orders_for
from store.payments import stripe_gateway
from store.payments.services import customer_for_user, subscriptions_for
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
            user = services.register_user(form.email.data, form.password.data)
        except services.EmailTaken:
            form.email.errors.append(
                _("An account already uses this email. Log in instead, or use another email.")
            )
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(_next_url(form), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form), status


def _login_account_key() -> str:
    return "login-account:" + normalise_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_login_account_key,
)
def login():
    """Log in with email and password."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            logger.info("user %s logged in", user.id)
            return redirect(_next_url(form), code=303)
        form.password.errors.append(_("Wrong email or password."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Log out (the cart stays in the session)."""
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("articles.index"), code=303)


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
        past_due=[s for s in subscriptions if s.status == "past_due"],
        has_customer=customer_for_user(current_user) is not None,
        download_limit=current_app.config["DOWNLOAD_LIMIT"],
    )
    db.session.commit()  # keys issued while rendering
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # a key may be on the page
    return response


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
        abort(404)
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
    if customer is None or not stripe_gateway.is_configured():
        flash(_("There is no subscription to manage yet."), "info")
        return redirect(url_for("accounts.index"), code=303)
    try:
        url = stripe_gateway.create_portal_session(
            customer.stripe_customer_id,
            return_url=url_for("accounts.index", _external=True),
            locale=str(get_locale() or "fr"),
        )
    except stripe_gateway.StripeError as error:
        logger.error("user %s: portal session failed: %s", current_user.id, error)
        flash(
            _("Stripe's customer portal is not reachable right now; please try again in a moment."),
            "error",
        )
        return redirect(url_for("accounts.index"), code=303)
    return redirect(url, code=303)
