"""Stripe's webhook events: each recorded once, then applied by the service it concerns.

Handlers read the object's current state from Stripe's API where it matters, so events may
arrive late, twice or out of order. Services flush; the caller commits.
"""

import logging
from typing import Any

import sqlalchemy as sa

from store.extensions import db
from store.payments import gateway
from store.payments import stripe_objects as read
from store.payments.fulfilment import fail_checkout_session, fulfil_checkout_session, refund_charge
from store.payments.models import PaymentStatus, WebhookEvent
from store.payments.services import fill_invoice, is_one_time_invoice, one_time_payment_of_invoice
from store.subscriptions.services import record_invoice, refresh_subscription

logger = logging.getLogger(__name__)


def _on_session_completed(obj: dict[str, Any]) -> None:
    fulfil_checkout_session(obj)


def _on_session_async_failed(obj: dict[str, Any]) -> None:
    fail_checkout_session(obj)


def _on_subscription_changed(obj: dict[str, Any]) -> None:
    refresh_subscription(obj["id"])


def _on_charge_refunded(obj: dict[str, Any]) -> None:
    # Whether (and how much) the charge was refunded is read from Stripe, not from the event.
    refund_charge(gateway.retrieve_charge(obj["id"]))


def _on_invoice_paid(obj: dict[str, Any]) -> None:
    if is_one_time_invoice(obj):
        # Checkout's invoice of a one-time payment: its number and links go on the payment
        # the session made (none yet: the session's fulfilment fetches the invoice itself).
        payment = one_time_payment_of_invoice(obj)
        if payment is not None:
            fill_invoice(payment, obj)
    else:
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


def event_seen(event_id: str) -> bool:
    """True when the event was recorded, and so applied, before."""
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
    object_id: str | None
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
