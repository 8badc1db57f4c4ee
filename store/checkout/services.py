"""Starting a Stripe Checkout for the cart, and what happens when the customer returns."""

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from store.accounts.models import User
from store.cart.services import Cart
from store.checkout.consent import Consent
from store.extensions import db
from store.ops.logging import tag_order
from store.orders.models import Order, OrderStatus
from store.orders.services import cart_fingerprint, mark_order, pending_order_for, place_order
from store.payments import fulfilment, gateway
from store.payments import services as payments
from store.settings.services import allow_promotion_codes, stripe_automatic_tax
from store.subscriptions.services import trial_days_for

logger = logging.getLogger(__name__)


class CheckoutFailed(Exception):
    """Stripe could not open the checkout; the order is marked failed."""

    def __init__(self, order: Order, error: Exception):
        super().__init__(str(error))
        self.order = order
        self.error = error


def start_checkout(
    user: User,
    cart: Cart,
    *,
    consent: Consent,
    submit_message: str,
    success_url: str,
    cancel_url: str,
    locale: str,
) -> tuple[Order, str]:
    """Place (or reuse) the order for this cart, record the consent, open its Checkout Session.

    `submit_message` is shown by Stripe next to its pay button. Returns the order and the URL
    to send the customer to. A double click reuses the same pending order and so the same
    idempotency key: Stripe answers with the same session.
    """
    try:
        order = place_order(user, cart)
    except IntegrityError:
        # A concurrent click placed the same order first: use that one.
        db.session.rollback()
        placed = pending_order_for(user, cart)
        if placed is None:
            raise
        order = placed
    # A reused order takes the newest consent: it is the one given right before this payment.
    order.consent_text = consent.text
    order.consent_version = consent.version
    order.consented_at = consent.given_at
    tag_order(order.number)
    customer = payments.customer_for_user(user)
    # A customer who subscribed before gets no second trial (the cart said so too).
    trial_days = trial_days_for(user, [line.product for line in order.lines if line.product])
    promotion_codes = allow_promotion_codes()
    automatic_tax = stripe_automatic_tax()
    try:
        session_id, url = gateway.create_checkout_session(
            order,
            customer_id=customer.stripe_customer_id if customer else None,
            success_url=success_url,
            cancel_url=cancel_url.replace("ORDER_NUMBER", order.number),
            locale=locale,
            submit_message=submit_message,
            # Other terms, another session: a reused key with other parameters is refused.
            idempotency_key=f"checkout-{order.number}-{cart_fingerprint(cart)}"
            f"-t{trial_days or 0}-p{int(promotion_codes)}-a{int(automatic_tax)}",
            allow_promotion_codes=promotion_codes,
            automatic_tax=automatic_tax,
            trial_days=trial_days,
        )
    except gateway.StripeError as error:
        logger.error("order %s: Stripe refused the checkout session: %s", order.number, error)
        mark_order(order, OrderStatus.FAILED)
        raise CheckoutFailed(order, error) from error
    order.stripe_checkout_session_id = session_id
    db.session.flush()
    return order, url


def order_for_session(user: User, session_id: str) -> Order | None:
    """The customer's own order for a Checkout Session id (None for anyone else's)."""
    return db.session.scalar(
        sa.select(Order).where(
            Order.stripe_checkout_session_id == session_id, Order.user_id == user.id
        )
    )


def confirm_return(order: Order) -> Order:
    """The customer came back from Stripe: fetch the session and fulfil it."""
    session = gateway.retrieve_checkout_session(order.stripe_checkout_session_id or "")
    fulfilment.fulfil_checkout_session(session)
    return order


def abandon(order: Order) -> None:
    """The customer cancelled on Stripe's page: the order is abandoned, the cart kept."""
    if order.status is OrderStatus.PENDING_PAYMENT:
        mark_order(order, OrderStatus.ABANDONED)
        logger.info("order %s abandoned at checkout", order.number)
