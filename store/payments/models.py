"""What the store knows of its customers' money: Stripe customers, subscriptions, payments,
and the webhook events already processed."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.accounts.models import User
from store.catalog.models import Product
from store.database import UTCDateTime, enum_column, utcnow
from store.extensions import db
from store.orders.models import Order


class Customer(db.Model):
    """The link between a user and their Stripe customer."""

    __tablename__ = "stripe_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    stripe_customer_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class SubscriptionStatus(enum.StrEnum):
    """Stripe's subscription statuses, as Stripe names them."""

    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"

    @property
    def label(self) -> LazyString:
        return _SUBSCRIPTION_STATUS_LABELS[self]


_SUBSCRIPTION_STATUS_LABELS = {
    SubscriptionStatus.INCOMPLETE: _l("Incomplete"),
    SubscriptionStatus.INCOMPLETE_EXPIRED: _l("Expired"),
    SubscriptionStatus.TRIALING: _l("Trial"),
    SubscriptionStatus.ACTIVE: _l("Active"),
    SubscriptionStatus.PAST_DUE: _l("Payment failed"),
    SubscriptionStatus.CANCELED: _l("Ended"),
    SubscriptionStatus.UNPAID: _l("Unpaid"),
    SubscriptionStatus.PAUSED: _l("Paused"),
}


#: statuses in which the customer has paid for the current period
PAID_UP_STATUSES = {SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING}


class Subscription(db.Model):
    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_subscription_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(sa.String(255), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    #: the order that started it; its lines say everything the subscription gives
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="SET NULL"), index=True
    )
    #: the (first) subscribed product, for display
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus, "subscription_status"), index=True
    )
    #: end of the period already paid for (from the subscription items)
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    #: when the subscription last became past due (the grace period counts from here)
    past_due_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship()
    order: Mapped[Order | None] = relationship()
    product: Mapped[Product | None] = relationship()

    @property
    def is_paid_up(self) -> bool:
        return self.status in PAID_UP_STATUSES

    def __repr__(self) -> str:
        return f"<Subscription {self.stripe_subscription_id} {self.status}>"


class PaymentStatus(enum.StrEnum):
    OPEN = "open"
    FAILED = "failed"
    PAID = "paid"

    @property
    def label(self) -> LazyString:
        return _PAYMENT_STATUS_LABELS[self]


_PAYMENT_STATUS_LABELS = {
    PaymentStatus.OPEN: _l("Waiting for payment"),
    PaymentStatus.FAILED: _l("Payment failed"),
    # Not "Paid": French agrees it with the noun, and a payment is not an order.
    PaymentStatus.PAID: _l("Collected"),
}


class Payment(db.Model):
    """One charge: an invoice of a subscription, or a one-time Checkout payment."""

    __tablename__ = "payment"
    __table_args__ = (sa.CheckConstraint("amount_cents >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the invoice id ("in_…") or, for a one-time purchase, the Checkout Session id ("cs_…")
    stripe_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="SET NULL"), index=True
    )
    subscription_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("subscription.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(sa.Integer)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[PaymentStatus] = mapped_column(enum_column(PaymentStatus, "payment_status"))
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    order: Mapped[Order | None] = relationship()
    subscription: Mapped[Subscription | None] = relationship()


class WebhookEvent(db.Model):
    """A Stripe event already processed; the unique id makes a replay a no-op."""

    __tablename__ = "webhook_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    #: the object the event is about (session, subscription or invoice id)
    object_id: Mapped[str] = mapped_column(sa.String(255), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
