"""POST /checkout, and the pages Stripe sends the customer back to."""

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from store.access.services import holding
from store.cart.services import clear_cart, current_cart
from store.checkout import services
from store.checkout.consent import IMMEDIATE_ACCESS_TEXT, consent_given
from store.checkout.forms import CheckoutForm
from store.extensions import db, limiter
from store.i18n import current_language
from store.ops.logging import tag_order
from store.orders.models import Order, OrderStatus
from store.orders.services import order_for
from store.payments import gateway

logger = logging.getLogger(__name__)

bp = Blueprint("checkout", __name__, url_prefix="/checkout")


def _checkout_limit_key() -> str:
    if current_user.is_authenticated:
        return f"checkout-user:{current_user.id}"
    return f"checkout-ip:{request.remote_addr}"


@bp.post("")
@limiter.limit(lambda: current_app.config["CHECKOUT_LIMIT"], key_func=_checkout_limit_key)
def start():
    """Create the order and send the customer to Stripe Checkout."""
    if not gateway.is_configured():
        # The shopper gets a plain word; the owner's explanation is on the dashboard and here.
        logger.warning("checkout refused: STRIPE_SECRET_KEY is not set, payments are off")
        flash(_("Payments are not open yet.") + " " + _("Your cart is kept."), "warning")
        return redirect(url_for("cart.view"), code=303)
    if not current_user.is_authenticated:
        flash(_("Log in or create an account to pay; your cart is kept."), "info")
        return redirect(url_for("accounts.login", next=url_for("cart.view")), code=303)
    cart = current_cart()
    if cart.notices or cart.is_empty:
        flash(
            _("Your cart changed; check it before paying.")
            if cart.notices
            else _("Your cart is empty: add an offer first."),
            "error",
        )
        return redirect(url_for("cart.view"), code=303)
    held = next(
        (held for line in cart.lines if (held := holding(current_user, line.product))), None
    )
    if held is not None:
        # A second subscription to an offer the customer holds would bill them twice.
        flash(
            _(
                "You already subscribe to “%(name)s”: remove it from your cart to pay for the "
                "rest. Manage or switch your plan from your account.",
                name=held.product.name if held.product else "",
            ),
            "error",
        )
        return redirect(url_for("cart.view"), code=303)
    form = CheckoutForm()
    if not form.validate():
        for message in [*form.immediate_access.errors, *form.accept_terms.errors]:
            flash(message, "error")
        flash(_("Your cart is kept."), "info")
        return redirect(url_for("cart.view"), code=303)
    try:
        order, checkout_url = services.start_checkout(
            current_user,
            cart,
            consent=consent_given(),
            submit_message=str(IMMEDIATE_ACCESS_TEXT),
            success_url=url_for("checkout.success", _external=True)
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=url_for("checkout.cancel", order="ORDER_NUMBER", _external=True),
            locale=current_language(),
        )
    except services.CheckoutFailed as failure:
        db.session.commit()  # keep the order marked failed
        flash(
            _(
                "The payment could not be started (order %(number)s): Stripe did not answer "
                "correctly. Your cart is intact; please try again in a moment.",
                number=failure.order.number,
            ),
            "error",
        )
        return redirect(url_for("cart.view"), code=303)
    db.session.commit()
    return redirect(checkout_url, code=303)


@bp.get("/success")
@login_required
def success():
    """Stripe sent the customer back: confirm the payment and show the order."""
    session_id = request.args.get("session_id", "")
    order = services.order_for_session(current_user, session_id) if session_id else None
    if order is None:
        abort(404)
    tag_order(order.number)
    try:
        services.confirm_return(order)
        db.session.commit()
    except IntegrityError:
        # Stripe's webhook fulfilled the same session at this very moment and was stored
        # first: the order, its payment and subscription are what it stored.
        db.session.rollback()
        logger.info("order %s: fulfilled meanwhile by the webhook", order.number)
    except gateway.StripeError as error:
        db.session.rollback()
        logger.error("order %s: could not confirm the payment: %s", order.number, error)
        flash(
            _(
                "We could not confirm the payment with Stripe yet. It will appear on your "
                "account as soon as Stripe confirms it."
            ),
            "warning",
        )
    if order.status is OrderStatus.PAID:
        clear_cart(session)
    return render_template("checkout/success.html", order=order)


@bp.get("/cancel")
@login_required
def cancel():
    """The customer left Stripe's page: keep the cart, mark the order abandoned."""
    order: Order | None = order_for(current_user, request.args.get("order", ""))
    if order is not None:
        services.abandon(order)
        db.session.commit()
    flash(_("Payment cancelled. Your cart is still here whenever you are ready."), "info")
    return redirect(url_for("cart.view"), code=303)
