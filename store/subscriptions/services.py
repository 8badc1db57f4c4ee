"""Subscriptions: the store's copy of Stripe's subscriptions, and their invoices.

A subscription's state is always taken from the subscription as Stripe's API returns it now,
whatever an event embeds, so events may arrive late, twice or out of order and the final state
is the same. An object lacking a field the store needs, or holding a value of the wrong type,
raises read.MalformedObject. Services flush; the caller commits.
"""

import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy.orm import selectinload

from store.accounts.models import User
from store.catalog.models import Product
from store.database import utcnow
from store.extensions import db
from store.ops.logging import tag_order
from store.orders.models import Order, OrderLine, OrderMode
from store.pagination import UncountedPage, paginate_uncounted
from store.payments import gateway
from store.payments import stripe_objects as read
from store.payments.models import Payment, PaymentStatus
from store.payments.services import (
    invoice_fields,
    link_customer,
    order_from_metadata,
    record_payment,
    user_for_customer,
)
from store.subscriptions import emails
from store.subscriptions.models import Subscription, SubscriptionStatus
from store.urls import valid_id

logger = logging.getLogger(__name__)


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


def current_plans(subscription: dict[str, Any]) -> list[int]:
    """The store's products that the subscription's items bill now, first item first, whoever
    set them (a checkout, a switch in the store, Stripe's customer portal or dashboard). An
    item is matched by its price, else its Stripe product (an older price of the product),
    else the store's product id that a price made at checkout carries in its product's
    metadata (the product expanded, see gateway.retrieve_subscription). One query."""
    wanted: list[tuple[str | None, str | None, int | None]] = []
    for item in read.list_data(subscription, "items"):
        price = item.get("price")
        product = price.get("product") if isinstance(price, dict) else None
        metadata = read.mapping(product, "metadata") if isinstance(product, dict) else {}
        wanted.append(
            (
                read.reference(item, "price"),
                read.reference(price, "product") if isinstance(price, dict) else None,
                valid_id(metadata.get("product_id")),
            )
        )
    price_ids = {price for price, _, _ in wanted if price}
    stripe_products = {product for _, product, _ in wanted if product}
    known = {product_id for _, _, product_id in wanted if product_id}
    if not (price_ids or stripe_products or known):
        return []
    rows = db.session.execute(
        sa.select(Product.id, Product.stripe_price_id, Product.stripe_product_id)
        .where(
            sa.or_(
                Product.stripe_price_id.in_(price_ids),
                Product.stripe_product_id.in_(stripe_products),
                Product.id.in_(known),
            )
        )
        .order_by(Product.id)
    ).all()
    by_price = {row.stripe_price_id: row.id for row in rows if row.stripe_price_id}
    by_product: dict[str, int] = {}
    for row in rows:
        if row.stripe_product_id:
            by_product.setdefault(row.stripe_product_id, row.id)
    ids = {row.id for row in rows}
    plans: list[int] = []
    for price, product, product_id in wanted:
        found = (
            by_price.get(price or "")
            or by_product.get(product or "")
            or (product_id if product_id in ids else None)
        )
        if found is not None and found not in plans:
            plans.append(found)
    return plans


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
        order = order_from_metadata(subscription)
    if order is not None:
        tag_order(order.number)
    customer_id = read.reference(subscription, "customer") or ""
    # What the customer was last told about, so a message goes on a transition only.
    was_known = row is not None
    was_cancelling = row is not None and row.cancel_at_period_end
    had_ended = row is not None and row.status is SubscriptionStatus.CANCELED
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
        row.user_id = metadata_user or user_for_customer(customer_id)
    if row.user_id and customer_id:
        link_customer(row.user_id, customer_id)
    # The plan Stripe bills now: a switch made anywhere is followed, the old plan gives no more.
    plans = current_plans(subscription)
    if plans or row.plan_ids is None:
        row.plan_ids = plans or None  # None: nothing matched, the order's lines say
    row.product_id = (plans[0] if plans else None) or row.product_id or _product_for(
        subscription, order
    )
    if has_request_context():
        # What this request read of the customer's subscriptions is out of date.
        g.pop("reader_subscriptions", None)
        g.pop("held_offers", None)
    db.session.flush()
    if was_known and not had_ended:
        if row.status is SubscriptionStatus.CANCELED:
            emails.queue_subscription_ended(row)
        elif row.cancel_at_period_end and not was_cancelling:
            emails.queue_subscription_cancelled(row)
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
        return SubscriptionStatus(str(value))
    except ValueError:
        statuses = ", ".join(SubscriptionStatus)
        raise read.malformed("status", value, f"one of {statuses}") from None


def refresh_subscription(
    stripe_subscription_id: str, *, order: Order | None = None
) -> Subscription:
    """Fetch the subscription from Stripe and store its current state."""
    subscription = gateway.retrieve_subscription(stripe_subscription_id)
    return upsert_subscription(subscription, order=order)


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
        **invoice_fields(invoice),
    )
    if status is PaymentStatus.FAILED and subscription is not None:
        emails.queue_payment_failed(invoice_id, subscription)
    logger.info("invoice %s %s for subscription %s", invoice_id, status, subscription_id)
    return payment


def trial_eligible(user) -> bool:
    """Whether `user` may start a free trial: never subscribed before, whatever came of it.

    A visitor not logged in may: checkout makes them log in, then asks this again. Any
    subscription the store knows of, or a subscription order once paid, uses the trial up.
    """
    if not getattr(user, "is_authenticated", False):
        return True
    subscribed = db.session.scalar(
        sa.select(Subscription.id).where(Subscription.user_id == user.id).limit(1)
    )
    if subscribed is not None:
        return False
    paid_order = db.session.scalar(
        sa.select(Order.id)
        .where(
            Order.user_id == user.id,
            Order.mode == OrderMode.SUBSCRIPTION,
            Order.paid_at.is_not(None),
        )
        .limit(1)
    )
    return paid_order is None


def trial_offered() -> bool:
    """trial_eligible for the visitor of this request, asked once per request (pages show
    many prices)."""
    if "trial_eligible" not in g:
        g.trial_eligible = trial_eligible(current_user)
    return g.trial_eligible


def longest_trial(products: Iterable[Product]) -> int:
    """The longest free trial among the subscriptions in `products` (0: none offers one)."""
    return max((p.trial_days or 0 for p in products if p.offers_trial), default=0)


def trial_days_for(user, products: Iterable[Product]) -> int | None:
    """The free days a checkout of `products` starts with: the longest trial among the
    subscriptions, or None (no trial offered, or `user` had one already)."""
    days = longest_trial(products)
    if not days or not trial_eligible(user):
        return None
    return days


#: a customer's subscriptions, newest first, each with its product and its order's lines
_SUBSCRIPTIONS_OF = (
    sa.select(Subscription)
    .options(
        selectinload(Subscription.product),
        selectinload(Subscription.order).selectinload(Order.lines).selectinload(OrderLine.product),
    )
    .where(Subscription.user_id == sa.bindparam("user_id"))
    .order_by(Subscription.created_at.desc(), Subscription.id.desc())
)


def subscriptions_page(user: User, page: int = 1, per_page: int = 10) -> UncountedPage:
    """A page of a customer's subscriptions, newest first, in a fixed number of statements."""
    return paginate_uncounted(
        _SUBSCRIPTIONS_OF,
        page=page,
        per_page=per_page,
        error_out=False,
        params={"user_id": user.id},
        bounded=False,
    )


def past_due_subscriptions(user: User, limit: int = 10) -> list[Subscription]:
    """The customer's subscriptions whose last payment failed, however old: each gets its
    banner on /account, wherever it falls in the list."""
    return list(
        db.session.scalars(
            sa.select(Subscription)
            .options(selectinload(Subscription.product))
            .where(
                Subscription.user_id == user.id,
                Subscription.status == SubscriptionStatus.PAST_DUE,
            )
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
            .limit(limit)
        )
    )


def subscriptions_for(user: User, limit: int = 10) -> list[Subscription]:
    """A customer's newest subscriptions, each with its product and its order's lines."""
    return list(
        db.session.scalars(
            sa.select(Subscription)
            .options(
                selectinload(Subscription.product),
                selectinload(Subscription.order)
                .selectinload(Order.lines)
                .selectinload(OrderLine.product),
            )
            .where(Subscription.user_id == user.id)
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
            .limit(limit)
        )
    )


def search_subscriptions(status: str):
    """Subscriptions in one status (any when `status` names none), newest first; a query
    to paginate."""
    query = (
        sa.select(Subscription)
        .options(selectinload(Subscription.user), selectinload(Subscription.product))
        .order_by(Subscription.created_at.desc(), Subscription.id.desc())
    )
    if status in {s.value for s in SubscriptionStatus}:
        query = query.where(Subscription.status == SubscriptionStatus(status))
    return query


def subscription_of_order(order: Order) -> Subscription | None:
    """The subscription an order started, if it did."""
    return db.session.scalar(sa.select(Subscription).where(Subscription.order_id == order.id))
