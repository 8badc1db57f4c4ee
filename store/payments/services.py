"""Fulfilment and Stripe webhooks.

Every change comes from Stripe's own objects: the webhook and the success page call the same
`fulfil_checkout_session`, and a subscription's state is always taken from the subscription
as the API returns it now, so events may arrive late, twice or out of order and the final
state is the same. Services flush; the caller commits.
"""

import logging
from datetime import UTC, datetime
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
from store.payments.models import (
    Customer,
    Payment,
    PaymentStatus,
    Subscription,
    SubscriptionStatus,
    WebhookEvent,
)

logger = logging.getLogger(__name__)


def _timestamp(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


def _id(value: Any) -> str | None:
    """A Stripe reference that may be an id or an expanded object."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


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
    number = (obj.get("metadata") or {}).get("order_number") or obj.get("client_reference_id")
    if not number:
        return None
    return db.session.scalar(sa.select(Order).where(Order.number == number))


def fulfil_checkout_session(session: dict[str, Any]) -> Order | None:
    """Apply a Checkout Session to its order: paid, customer linked, subscription recorded.

    Called by the success page and by the webhooks; running it twice changes nothing more.
    """
    order = db.session.scalar(
        sa.select(Order).where(Order.stripe_checkout_session_id == session["id"])
    ) or _order_from_metadata(session)
    if order is None:
        logger.warning("checkout session %s matches no order", session.get("id"))
        return None
    tag_order(order.number)
    customer_id = _id(session.get("customer"))
    if customer_id and order.user_id:
        link_customer(order.user_id, customer_id)
    paid = session.get("status") == "complete" and session.get("payment_status") in (
        "paid",
        "no_payment_required",
    )
    subscription = session.get("subscription")
    if isinstance(subscription, str):
        subscription = stripe_gateway.retrieve_subscription(subscription)
    if subscription:
        order.stripe_subscription_id = subscription["id"]
        upsert_subscription(subscription, order=order)
    if paid:
        order.stripe_payment_intent_id = _id(session.get("payment_intent"))
        if order.mode == "payment":
            record_payment(
                stripe_id=session["id"],
                order=order,
                amount_cents=session.get("amount_total") or order.total_cents,
                currency=session.get("currency") or order.currency,
                status=PaymentStatus.PAID,
            )
        if order.status is not OrderStatus.PAID:
            mark_order(order, OrderStatus.PAID)
            logger.info("order %s paid (checkout session %s)", order.number, session["id"])
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
    """A charge refunded in full: its order gives nothing any more (partial refunds keep it)."""
    payment_intent = _id(charge.get("payment_intent"))
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
    price_ids = [
        _id(item.get("price"))
        for item in (subscription.get("items") or {}).get("data", [])
        if item.get("price")
    ]
    if not price_ids:
        return None
    return db.session.scalar(sa.select(Product.id).where(Product.stripe_price_id.in_(price_ids)))


def upsert_subscription(
    subscription: dict[str, Any], *, order: Order | None = None
) -> Subscription:
    """Create or update our copy of a Stripe subscription from Stripe's object."""
    row = db.session.scalar(
        sa.select(Subscription)
        .where(Subscription.stripe_subscription_id == subscription["id"])
        .with_for_update()
    )
    if order is None:
        order = _order_from_metadata(subscription)
    if order is not None:
        tag_order(order.number)
    customer_id = _id(subscription.get("customer")) or ""
    if row is None:
        row = Subscription(stripe_subscription_id=subscription["id"])
        db.session.add(row)
    row.stripe_customer_id = customer_id
    status = SubscriptionStatus(subscription["status"])
    if status is SubscriptionStatus.PAST_DUE and row.status is not SubscriptionStatus.PAST_DUE:
        row.past_due_since = utcnow()
    elif status is not SubscriptionStatus.PAST_DUE:
        row.past_due_since = None
    row.status = status
    row.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
    row.canceled_at = _timestamp(subscription.get("canceled_at"))
    # In this API version the billing period lives on each subscription item.
    period_ends = [
        item["current_period_end"]
        for item in (subscription.get("items") or {}).get("data", [])
        if item.get("current_period_end")
    ]
    row.current_period_end = _timestamp(max(period_ends)) if period_ends else None
    if order is not None:
        row.order_id = order.id
        row.user_id = row.user_id or order.user_id
    if row.user_id is None:
        metadata_user = (subscription.get("metadata") or {}).get("user_id")
        row.user_id = int(metadata_user) if str(metadata_user).isdigit() else None
        row.user_id = row.user_id or _user_for_customer(customer_id)
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


def refresh_subscription(stripe_subscription_id: str) -> Subscription:
    """Fetch the subscription from Stripe and store its current state."""
    return upsert_subscription(stripe_gateway.retrieve_subscription(stripe_subscription_id))


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
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return _id(details.get("subscription")) or _id(invoice.get("subscription"))


def record_invoice(invoice: dict[str, Any], status: PaymentStatus) -> Payment:
    """Record a subscription invoice (paid or failed) and refresh its subscription."""
    subscription = None
    subscription_id = _invoice_subscription_id(invoice)
    if subscription_id:
        subscription = refresh_subscription(subscription_id)
    lines = (invoice.get("lines") or {}).get("data") or [{}]
    period = lines[0].get("period") or {}
    amount = invoice.get("amount_paid") if status is PaymentStatus.PAID else None
    payment = record_payment(
        stripe_id=invoice["id"],
        status=status,
        subscription=subscription,
        order=subscription.order if subscription else None,
        user_id=subscription.user_id if subscription else None,
        amount_cents=amount if amount is not None else invoice.get("amount_due", 0),
        currency=(invoice.get("currency") or "eur").upper(),
        period_start=_timestamp(period.get("start")),
        period_end=_timestamp(period.get("end")),
    )
    logger.info("invoice %s %s for subscription %s", invoice["id"], status, subscription_id)
    return payment


# --- webhook events --------------------------------------------------------------------


def _on_session_completed(obj: dict[str, Any]) -> None:
    fulfil_checkout_session(obj)


def _on_session_async_failed(obj: dict[str, Any]) -> None:
    fail_checkout_session(obj)


def _on_subscription_changed(obj: dict[str, Any]) -> None:
    refresh_subscription(obj["id"])


def _on_charge_refunded(obj: dict[str, Any]) -> None:
    refund_charge(obj)


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
    wait, then fail) at that insert, so an event is applied once.
    """
    if event_seen(event["id"]):
        return False
    obj = event["data"].get("object") or {}
    db.session.add(
        WebhookEvent(
            stripe_event_id=event["id"],
            type=event.get("type", ""),
            object_id=str(obj.get("id", "")),
        )
    )
    db.session.flush()
    handler = EVENT_HANDLERS.get(event.get("type", ""))
    if handler is None:
        logger.info("webhook %s: %s ignored", event["id"], event.get("type"))
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
