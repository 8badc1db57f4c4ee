"""The order confirmation mailed when an order is paid. Services flush; the caller commits."""

from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from store.accounts.models import User
from store.extensions import db
from store.mail.models import OutboxMessage
from store.mail.services import queue_message
from store.orders.models import Order
from store.payments import stripe_objects as read
from store.payments.services import fetch_invoice_fields, stored_invoice_url


def recipient(user_id: int | None) -> tuple[str, str] | None:
    """Where a customer's message goes and in which language. Every order is placed from an
    account, so an order without one is a deleted account's: it gets no message."""
    user = db.session.get(User, user_id) if user_id else None
    return (user.email, user.locale) if user is not None else None


def receipt_url(session: dict[str, Any]) -> str | None:
    """The page where Stripe shows the invoice of a checkout, if Stripe has one.

    The link the order's payment row already keeps, else read from the session's invoice now
    (a one-time payment's invoice is made by Checkout's invoice_creation).
    """
    invoice_id = read.reference(session, "invoice")
    if not invoice_id:
        return None
    # fulfilment has usually just stored it; a missing link must not undo the payment
    return stored_invoice_url(invoice_id) or fetch_invoice_fields(invoice_id).get(
        "hosted_invoice_url"
    )


def queue_order_paid(order: Order, session: dict[str, Any]) -> OutboxMessage | None:
    """Queue the order confirmation, once per order, in the customer's language."""
    key = f"order-paid:{order.number}"
    if db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.key == key)):
        return None
    to = recipient(order.user_id)
    if to is None:
        return None
    # What Stripe charged today: less than the order's total only in a free trial.
    charged = read.integer(session, "amount_total", maximum=read.MAX_AMOUNT)
    paid_cents = order.net_total_cents if charged is None else min(charged, order.net_total_cents)
    return queue_message(
        key,
        to[0],
        "order_paid",
        locale=to[1],
        order=order,
        paid_cents=paid_cents,
        in_trial=paid_cents < order.net_total_cents,
        receipt_url=receipt_url(session),
        order_url=url_for("accounts.order", number=order.number, _external=True),
        account_url=url_for("accounts.index", _external=True, _anchor="purchases"),
        subscriber_articles_url=url_for("articles.index", _external=True),
        download_limit=current_app.config["DOWNLOAD_LIMIT"],
        action_url=url_for("accounts.index", _external=True, _anchor="purchases"),
        action_label=_l("See my purchases"),
    )
