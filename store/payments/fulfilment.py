"""Fulfilment: what a completed, failed or refunded Stripe payment does to its order.

Every change comes from Stripe's own objects: the webhook and the success page call the same
`fulfil_checkout_session`, and a charge's refunds are taken from the charge as Stripe's API
returns it now, so events may arrive late, twice or out of order and the final state is the
same. Services flush; the caller commits.
"""

import logging
from typing import Any

import sqlalchemy as sa

from store.extensions import db
from store.ops.logging import tag_order
from store.orders.models import Order, OrderMode, OrderStatus
from store.orders.services import mark_order
from store.payments import gateway
from store.payments import stripe_objects as read
from store.payments.emails import queue_order_paid
from store.payments.models import PaymentStatus
from store.payments.services import (
    fetch_invoice_fields,
    link_customer,
    order_from_metadata,
    record_payment,
    stored_invoice_url,
)
from store.subscriptions.services import refresh_subscription

logger = logging.getLogger(__name__)


def fulfil_checkout_session(session: dict[str, Any]) -> Order | None:
    """Apply a Checkout Session to its order: paid, customer linked, subscription recorded.

    Called by the success page and by the webhooks; running it twice changes nothing more.
    The subscription is read from Stripe's API by its id, whatever the session embeds.
    """
    session_id = read.text(session, "id", required=True)
    order = db.session.scalar(
        sa.select(Order).where(Order.stripe_checkout_session_id == session_id)
    ) or order_from_metadata(session)
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
        record_discount(order, session)
        if order.mode is OrderMode.PAYMENT:
            amount_total = read.integer(session, "amount_total", maximum=read.MAX_AMOUNT)
            invoice_id = read.reference(session, "invoice")
            record_payment(
                stripe_id=session_id,
                order=order,
                # 0 is an amount (a code took everything off), not a missing one.
                amount_cents=order.total_cents if amount_total is None else amount_total,
                currency=read.currency(session) or order.currency,
                status=PaymentStatus.PAID,
                # Fetched once: a replayed event or a success-page visit finds it kept.
                **(
                    fetch_invoice_fields(invoice_id)
                    if invoice_id and not stored_invoice_url(invoice_id)
                    else {}
                ),
            )
        if order.status is not OrderStatus.PAID:
            mark_order(order, OrderStatus.PAID)
            logger.info("order %s paid (checkout session %s)", order.number, session_id)
        if order.status is OrderStatus.PAID:
            # Once per order, however many deliveries and success-page visits report it.
            queue_order_paid(order, session)
    return order


def record_discount(order: Order, session: dict[str, Any]) -> None:
    """Keep what the session's coupon or promotion code took off, and the code typed.

    The code's text is read from the expanded promotion code, or fetched once by its id.
    """
    details = read.mapping(session, "total_details")
    order.discount_cents = read.integer(details, "amount_discount", maximum=read.MAX_AMOUNT) or 0
    if not order.discount_cents or order.promotion_code is not None:
        return
    for discount in read.array(session, "discounts"):
        promotion_code = discount.get("promotion_code")
        if isinstance(promotion_code, str) and promotion_code:
            promotion_code = gateway.retrieve_promotion_code(promotion_code)
        if isinstance(promotion_code, dict):
            order.promotion_code = read.text(promotion_code, "code", required=True)
            logger.info(
                "order %s: promotion code %s took off %s cents",
                order.number,
                order.promotion_code,
                order.discount_cents,
            )
            return


def fail_checkout_session(session: dict[str, Any]) -> None:
    """An asynchronous payment (e.g. SEPA debit) failed: the order failed."""
    order = order_from_metadata(session)
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
