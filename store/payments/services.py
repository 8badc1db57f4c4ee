"""Stripe customers, payment records, and the order a Stripe object names.

Services flush; the caller commits.
"""

import logging
from typing import Any

import sqlalchemy as sa

from store.accounts.models import User
from store.extensions import db
from store.orders.models import Order
from store.payments import gateway
from store.payments import stripe_objects as read
from store.payments.models import Customer, Payment, PaymentStatus
from store.subscriptions.models import Subscription

logger = logging.getLogger(__name__)

# --- customers -------------------------------------------------------------------------


def customer_for_user(user: User) -> Customer | None:
    """The user's Stripe customer, if Stripe has one for them."""
    return db.session.scalar(sa.select(Customer).where(Customer.user_id == user.id))


def sync_customer_email(user: User) -> bool:
    """Tell Stripe the user's new address; False (logged) when Stripe could not be told.

    The account's address changes either way: Stripe keeps sending receipts to the old one
    until the next sync, which the warning in the log asks for.
    """
    customer = customer_for_user(user)
    if customer is None or not gateway.is_configured():
        return True
    try:
        gateway.update_customer_email(customer.stripe_customer_id, user.email)
    except gateway.StripeError as error:
        logger.warning(
            "user %s: Stripe customer %s keeps the old email address: %s",
            user.id,
            customer.stripe_customer_id,
            error,
        )
        return False
    logger.info(
        "user %s: Stripe customer %s has the new address", user.id, customer.stripe_customer_id
    )
    return True


def link_customer(user_id: int, stripe_customer_id: str) -> None:
    """Remember which Stripe customer a user is (first link wins)."""
    exists = db.session.scalar(
        sa.select(Customer.id).where(
            sa.or_(
                Customer.user_id == user_id,
                Customer.stripe_customer_id == stripe_customer_id,
            )
        )
    )
    if exists is None:
        db.session.add(Customer(user_id=user_id, stripe_customer_id=stripe_customer_id))
        db.session.flush()


def user_for_customer(stripe_customer_id: str | None) -> int | None:
    """The id of the user a Stripe customer belongs to, if the store knows it."""
    if not stripe_customer_id:
        return None
    return db.session.scalar(
        sa.select(Customer.user_id).where(Customer.stripe_customer_id == stripe_customer_id)
    )


# --- orders ----------------------------------------------------------------------------


def order_from_metadata(obj: dict[str, Any]) -> Order | None:
    """The order a Stripe object names in its metadata or client reference, if any."""
    number = read.text(read.mapping(obj, "metadata"), "order_number") or read.text(
        obj, "client_reference_id"
    )
    if not number:
        return None
    return db.session.scalar(sa.select(Order).where(Order.number == number))


# --- payments --------------------------------------------------------------------------


#: a payment's status only moves forward: a late "open" never undoes "paid"
_PAYMENT_RANK = {PaymentStatus.OPEN: 0, PaymentStatus.FAILED: 1, PaymentStatus.PAID: 2}


def record_payment(*, stripe_id: str, status: PaymentStatus, **fields: Any) -> Payment:
    """Create or update a payment record by its Stripe id."""
    payment = db.session.scalar(sa.select(Payment).where(Payment.stripe_id == stripe_id))
    if payment is None:
        payment = Payment(stripe_id=stripe_id, status=status, **fields)
        db.session.add(payment)
    else:
        if _PAYMENT_RANK[status] >= _PAYMENT_RANK[payment.status]:
            payment.status = status
        for name, value in fields.items():
            if value is not None:
                setattr(payment, name, value)
    order = fields.get("order")
    if order is not None and payment.user_id is None:
        payment.user_id = order.user_id
    db.session.flush()
    return payment


def payments_of_order(order: Order) -> list[Payment]:
    """An order's payments, oldest first."""
    query = sa.select(Payment).where(Payment.order_id == order.id).order_by(Payment.created_at)
    return list(db.session.scalars(query))


def payments_of_subscription(subscription: Subscription) -> list[Payment]:
    """A subscription's payments (one per invoice), newest first."""
    query = (
        sa.select(Payment)
        .where(Payment.subscription_id == subscription.id)
        .order_by(Payment.created_at.desc())
    )
    return list(db.session.scalars(query))
