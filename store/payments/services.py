"""Stripe customers, payment records, and the order a Stripe object names.

Services flush; the caller commits.
"""

import logging
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from store.accounts.models import User
from store.extensions import db
from store.orders.models import Order, OrderMode
from store.pagination import UncountedPage, paginate_uncounted
from store.payments import gateway
from store.payments import stripe_objects as read
from store.payments.models import Customer, Payment, PaymentStatus
from store.subscriptions.models import Subscription

logger = logging.getLogger(__name__)

#: the longest invoice URL a payment row holds
MAX_URL_LENGTH = 2048
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


#: a customer's payments, newest first, with what each paid for
_PAYMENTS_OF = (
    sa.select(Payment)
    .options(
        selectinload(Payment.order).selectinload(Order.lines),
        selectinload(Payment.subscription).selectinload(Subscription.product),
    )
    .where(Payment.user_id == sa.bindparam("user_id"))
    .order_by(Payment.created_at.desc(), Payment.id.desc())
)


def payments_page(user: User, page: int = 1, per_page: int = 10) -> UncountedPage:
    """A page of a customer's payments (one-time and subscription), newest first: a fixed
    number of statements whatever the number of payments."""
    return paginate_uncounted(
        _PAYMENTS_OF,
        page=page,
        per_page=per_page,
        error_out=False,
        params={"user_id": user.id},
        bounded=False,
    )


# --- invoices --------------------------------------------------------------------------


def invoice_link(url: Any) -> str | None:
    """A URL Stripe gave for an invoice, if it may go into a link: https:// only (or, in the
    tests, the Stripe double's own address, STRIPE_API_BASE); never javascript: or data:."""
    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL_LENGTH:
        return None
    if url.startswith("https://"):
        return url
    base = urlsplit(current_app.config.get("STRIPE_API_BASE") or "")
    test_origin = f"{base.scheme}://{base.netloc}/"
    if base.scheme in ("http", "https") and base.netloc and url.startswith(test_origin):
        return url
    return None


def invoice_fields(invoice: dict[str, Any]) -> dict[str, Any]:
    """What a payment row keeps of its Stripe invoice: id, number, hosted page and PDF."""
    return {
        "stripe_invoice_id": read.text(invoice, "id", required=True),
        "invoice_number": read.text(invoice, "number"),
        "hosted_invoice_url": invoice_link(invoice.get("hosted_invoice_url")),
        "invoice_pdf_url": invoice_link(invoice.get("invoice_pdf")),
    }


def stored_invoice_url(invoice_id: str) -> str | None:
    """The hosted page of an invoice a payment row already keeps (None until it is known)."""
    return db.session.scalar(
        sa.select(Payment.hosted_invoice_url)
        .where(Payment.stripe_invoice_id == invoice_id, Payment.hosted_invoice_url.is_not(None))
        .limit(1)
    )


def fetch_invoice_fields(invoice_id: str) -> dict[str, Any]:
    """The invoice's fields as Stripe has them now; only its id when Stripe cannot say.

    A missing link must not undo a payment: the invoice.paid / invoice.finalized webhooks,
    or the customer's next visit to their account, fill it in later.
    """
    try:
        return invoice_fields(gateway.retrieve_invoice(invoice_id))
    except (gateway.StripeError, read.MalformedObject) as error:
        logger.warning("invoice %s: not fetched, its links wait: %s", invoice_id, error)
        return {"stripe_invoice_id": invoice_id}


def is_one_time_invoice(invoice: dict[str, Any]) -> bool:
    """True for the invoice Checkout makes for a one-time order (invoice_creation): it names
    the order in its metadata and belongs to no subscription."""
    details = read.mapping(read.mapping(invoice, "parent"), "subscription_details")
    if read.reference(details, "subscription") or read.reference(invoice, "subscription"):
        return False
    order = order_from_metadata(invoice)
    return order is not None and order.mode is OrderMode.PAYMENT


def one_time_payment_of_invoice(invoice: dict[str, Any]) -> Payment | None:
    """The payment of the one-time order an invoice was made for, once its session is recorded."""
    order = order_from_metadata(invoice)
    if order is None:
        return None
    return db.session.scalar(
        sa.select(Payment).where(Payment.order_id == order.id, Payment.subscription_id.is_(None))
    )


def fill_invoice(payment: Payment, invoice: dict[str, Any]) -> None:
    """Keep the invoice's number and links on the payment (known values are never erased)."""
    for name, value in invoice_fields(invoice).items():
        if value is not None:
            setattr(payment, name, value)
    db.session.flush()


def fill_missing_invoice_links(payments: list[Payment], *, limit: int = 3) -> None:
    """Fetch the links of a few invoices Stripe could not give when they were paid."""
    waiting = [p for p in payments if p.stripe_invoice_id and not p.hosted_invoice_url]
    if not waiting or not gateway.is_configured():
        return
    for payment in waiting[:limit]:
        fields = fetch_invoice_fields(payment.stripe_invoice_id or "")
        for name, value in fields.items():
            if value is not None:
                setattr(payment, name, value)
    db.session.flush()
