"""Fulfilment and Stripe webhooks.

Every change comes from Stripe's own objects: the webhook and the success page call the same
`fulfil_checkout_session`, and a subscription's state (or a charge's refunds) is always taken
from the subscription (or charge) as the API returns it now, whatever an event embeds, so
events may arrive late, twice or out of order and the final state is the same. An object
lacking a field the store needs, or holding a value of the wrong type, raises read.MalformedObject.
Services flush; the caller commits.
"""

import logging
from typing import Any

import sqlalchemy as sa

from store.accounts.models import User
from store.catalog.models import Product
from store.database import utcnow
from store.extensions import db
from store.ops.logging import tag_order
from store.orders.models import Order, OrderStatus
from store.orders.services import mark_order
from store.payments import stripe_gateway
from store.payments import stripe_objects as read
from store.payments.models import (
    Customer,
    Payment,
    PaymentStatus,
    Subscription,
    SubscriptionStatus,
    WebhookEvent,
)
from store.urls import valid_id

logger = logging.getLogger(__name__)


# --- customers -------------------------------------------------------------------------


def customer_for_user(user: User) -> Customer | None:
    return db.session.scalar(sa.select(Customer).where(Customer.user_id == user.id))


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


def _user_for_customer(stripe_customer_id: str | None) -> int | None:
    if not stripe_customer_id:
        return None
    return db.session.scalar(
        sa.select(Customer.user_id).where(Customer.stripe_customer_id == stripe_customer_id)
    )


# --- orders ----------------------------------------------------------------------------


def _order_from_metadata(obj: dict[str, Any]) -> Order | None:
    number = read.text(read.mapping(obj, "metadata"), "order_number") or read.text(
        obj, "client_reference_id"
    )
    if not number:
        return None
    return db.session.scalar(sa.select(Order).where(Order.number == number))


def fulfil_checkout_session(session: dict[str, Any]) -> Order | None:
    """Apply a Checkout Session to its order: paid, customer linked, subscription recorded.

    Called by the success page and by the webhooks; running it twice changes nothing more.
    The subscription is read from Stripe's API by its id, whatever the session embeds.
    """
    session_id = read.text(session, "id", required=True)
    order = db.session.scalar(
        sa.select(Order).where(Order.stripe_checkout_session_id == session_id)
    ) or _order_from_metadata(session)
    if order is None:
        logger.warning("checkout session %s matches no order", session_id)
        return None
    tag_order(order.number)
    customer_id = read.reference(session, "customer")
    if customer_id and order.user_id:
        link_customer(order.user_id, customer_id)
    paid = session.get("status") == "complete" and session.get("payment_status") in (
        "paid",
        "no_payment_required",
    )
    subscription_id = read.reference(session, "subscription")
    if subscription_id:
        row = refresh_subscription(subscription_id, order=order)
        order.stripe_subscription_id = row.stripe_subscription_id
    if paid:
        order.stripe_payment_intent_id = read.reference(session, "payment_intent")
        if order.mode == "payment":
            record_payment(
                stripe_id=session_id,
                order=order,
                amount_cents=read.integer(session, "amount_total", maximum=read.MAX_AMOUNT)
                or order.total_cents,
                currency=read.currency(session) or order.currency,
                status=PaymentStatus.PAID,
            )
        if order.status is not OrderStatus.PAID:
            mark_order(order, OrderStatus.PAID)
            logger.info("order %s paid (checkout session %s)", order.number, session_id)
    return order


def fail_checkout_session(session: dict[str, Any]) -> None:
    """An asynchronous payment (e.g. SEPA debit) failed: the order failed."""
    order = _order_from_metadata(session)
    if order is not None:
        tag_order(order.number)
    if order is not None and order.status is OrderStatus.PENDING_PAYMENT:
        mark_order(order, OrderStatus.FAILED)
        logger.info("order %s: asynchronous payment failed", order.number)


def refund_charge(charge: dict[str, Any]) -> None:
    """A charge refunded in full: its order gives nothing any more (partial refunds keep it).

    `charge` is the charge as Stripe's API returns it, not as an event describes it.
    """
    payment_intent = read.reference(charge, "payment_intent")
    if not payment_intent:
        return
    order = db.session.scalar(
        sa.select(Order).where(Order.stripe_payment_intent_id == payment_intent)
    )
    if order is None:
        logger.warning("refunded charge %s matches no order", charge.get("id"))
        return
    tag_order(order.number)
    amount = charge.get("amount")
    full = charge.get("refunded") is True or (
        isinstance(amount, int) and charge.get("amount_refunded") == amount
    )
    if full and order.status is OrderStatus.PAID:
        mark_order(order, OrderStatus.REFUNDED)
        logger.info("order %s refunded (charge %s)", order.number, charge.get("id"))


# --- subscriptions and payments --------------------------------------------------------


def _product_for(subscription: dict[str, Any], order: Order | None) -> int | None:
    if order is not None:
        for line in order.lines:
            if line.interval and line.product_id:
                return line.product_id
    items = read.list_data(subscription, "items")
    price_ids = [price_id for item in items if (price_id := read.reference(item, "price"))]
    if not price_ids:
        return None
    return db.session.scalar(sa.select(Product.id).where(Product.stripe_price_id.in_(price_ids)))


def upsert_subscription(
    subscription: dict[str, Any], *, order: Order | None = None
) -> Subscription:
    """Create or update our copy of a Stripe subscription from Stripe's object."""
    subscription_id = read.text(subscription, "id", required=True)
    status = _subscription_status(subscription)
    row = db.session.scalar(
        sa.select(Subscription)
        .where(Subscription.stripe_subscription_id == subscription_id)
        .with_for_update()
    )
    if order is None:
        order = _order_from_metadata(subscription)
    if order is not None:
        tag_order(order.number)
    customer_id = read.reference(subscription, "customer") or ""
    if row is None:
        row = Subscription(stripe_subscription_id=subscription_id)
        db.session.add(row)
    row.stripe_customer_id = customer_id
    if status is SubscriptionStatus.PAST_DUE and row.status is not SubscriptionStatus.PAST_DUE:
        row.past_due_since = utcnow()
    elif status is not SubscriptionStatus.PAST_DUE:
        row.past_due_since = None
    row.status = status
    row.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
    row.canceled_at = read.timestamp(subscription, "canceled_at")
    # In this API version the billing period lives on each subscription item.
    period_ends = [
        end
        for item in read.list_data(subscription, "items")
        if (end := read.timestamp(item, "current_period_end"))
    ]
    row.current_period_end = max(period_ends) if period_ends else None
    if order is not None:
        row.order_id = order.id
        row.user_id = row.user_id or order.user_id
    if row.user_id is None:
        metadata_user = valid_id(read.mapping(subscription, "metadata").get("user_id"))
        if metadata_user is not None and db.session.get(User, metadata_user) is None:
            metadata_user = None  # no such account (any more)
        row.user_id = metadata_user or _user_for_customer(customer_id)
    if row.user_id and customer_id:
        link_customer(row.user_id, customer_id)
    row.product_id = row.product_id or _product_for(subscription, order)
    db.session.flush()
    logger.info(
        "subscription %s is %s (order %s)",
        row.stripe_subscription_id,
        row.status,
        order.number if order else "-",
    )
    return row


def _subscription_status(subscription: dict[str, Any]) -> SubscriptionStatus:
    value = subscription.get("status")
    try:
        return SubscriptionStatus(value)
    except ValueError:
        statuses = ", ".join(SubscriptionStatus)
        raise read.malformed("status", value, f"one of {statuses}") from None


def refresh_subscription(
    stripe_subscription_id: str, *, order: Order | None = None
) -> Subscription:
    """Fetch the subscription from Stripe and store its current state."""
    subscription = stripe_gateway.retrieve_subscription(stripe_subscription_id)
    return upsert_subscription(subscription, order=order)


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


def _invoice_subscription_id(invoice: dict[str, Any]) -> str | None:
    details = read.mapping(read.mapping(invoice, "parent"), "subscription_details")
    return read.reference(details, "subscription") or read.reference(invoice, "subscription")


def record_invoice(invoice: dict[str, Any], status: PaymentStatus) -> Payment:
    """Record a subscription invoice (paid or failed) and refresh its subscription."""
    invoice_id = read.text(invoice, "id", required=True)
    subscription = None
    subscription_id = _invoice_subscription_id(invoice)
    if subscription_id:
        subscription = refresh_subscription(subscription_id)
    lines = read.list_data(invoice, "lines")
    period = read.mapping(lines[0], "period") if lines else {}
    amount = None
    if status is PaymentStatus.PAID:
        amount = read.integer(invoice, "amount_paid", maximum=read.MAX_AMOUNT)
    if amount is None:
        amount = read.integer(invoice, "amount_due", maximum=read.MAX_AMOUNT) or 0
    payment = record_payment(
        stripe_id=invoice_id,
        status=status,
        subscription=subscription,
        order=subscription.order if subscription else None,
        user_id=subscription.user_id if subscription else None,
        amount_cents=amount,
        currency=read.currency(invoice) or "EUR",
        period_start=read.timestamp(period, "start"),
        period_end=read.timestamp(period, "end"),
    )
    logger.info("invoice %s %s for subscription %s", invoice_id, status, subscription_id)
    return payment


# --- webhook events --------------------------------------------------------------------


def _on_session_completed(obj: dict[str, Any]) -> None:
    fulfil_checkout_session(obj)


def _on_session_async_failed(obj: dict[str, Any]) -> None:
    fail_checkout_session(obj)


def _on_subscription_changed(obj: dict[str, Any]) -> None:
    refresh_subscription(obj["id"])


def _on_charge_refunded(obj: dict[str, Any]) -> None:
    # Whether (and how much) the charge was refunded is read from Stripe, not from the event.
    refund_charge(stripe_gateway.retrieve_charge(obj["id"]))


def _on_invoice_paid(obj: dict[str, Any]) -> None:
    record_invoice(obj, PaymentStatus.PAID)


def _on_invoice_failed(obj: dict[str, Any]) -> None:
    record_invoice(obj, PaymentStatus.FAILED)


EVENT_HANDLERS = {
    "checkout.session.completed": _on_session_completed,
    "checkout.session.async_payment_succeeded": _on_session_completed,
    "checkout.session.async_payment_failed": _on_session_async_failed,
    "customer.subscription.created": _on_subscription_changed,
    "customer.subscription.updated": _on_subscription_changed,
    "customer.subscription.deleted": _on_subscription_changed,
    "invoice.paid": _on_invoice_paid,
    "invoice.payment_failed": _on_invoice_failed,
    "charge.refunded": _on_charge_refunded,
}


class DuplicateEvent(Exception):
    """The event was processed before."""


def event_seen(event_id: str) -> bool:
    return (
        db.session.scalar(
            sa.select(WebhookEvent.id).where(WebhookEvent.stripe_event_id == event_id)
        )
        is not None
    )


def process_event(event: dict[str, Any]) -> bool:
    """Record the event and apply it; returns False when it was processed before.

    The event row is inserted first: its unique id makes a concurrent duplicate fail (or
    wait, then fail) at that insert, so an event is applied once. An event the store handles
    must describe an object with an id, or read.MalformedObject is raised (the caller rolls back).
    """
    if event_seen(event["id"]):
        return False
    event_type = event.get("type")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= read.MAX_EVENT_TYPE_LENGTH:
        raise read.malformed("type", event_type, "an event type")
    handler = EVENT_HANDLERS.get(event_type)
    obj = event["data"].get("object")
    if not isinstance(obj, dict):
        if handler is not None:
            raise read.malformed("data.object", obj, "an object")
        obj = {}
    if handler is not None:
        object_id = read.text(obj, "id", required=True)
    else:
        # An event the store ignores is recorded whatever its object looks like.
        object_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    db.session.add(
        WebhookEvent(
            stripe_event_id=event["id"],
            type=event_type,
            object_id=(object_id or "")[: read.MAX_ID_LENGTH],
        )
    )
    db.session.flush()
    if handler is None:
        logger.info("webhook %s: %s ignored", event["id"], event_type)
    else:
        handler(obj)
    return True


def subscriptions_for(user: User) -> list[Subscription]:
    """A customer's subscriptions, newest first."""
    return list(
        db.session.scalars(
            sa.select(Subscription)
            .where(Subscription.user_id == user.id)
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
        )
    )


# --- subscription lists for the back office ---


def search_subscriptions(status: str):
    """Subscriptions in one status (any when `status` names none), newest first; a query
    to paginate."""
    query = sa.select(Subscription).order_by(Subscription.created_at.desc(), Subscription.id.desc())
    if status in {s.value for s in SubscriptionStatus}:
        query = query.where(Subscription.status == SubscriptionStatus(status))
    return query


def subscription_of_order(order: Order) -> Subscription | None:
    """The subscription an order started, if it did."""
    return db.session.scalar(sa.select(Subscription).where(Subscription.order_id == order.id))


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
