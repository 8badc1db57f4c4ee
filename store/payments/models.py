"""What the store knows of its customers' money: Stripe customers, payments, webhook events."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.accounts.models import User
from store.database import LabelledEnum, UTCDateTime, enum_column, set_labels, utcnow
from store.extensions import Model
from store.orders.models import Order
from store.subscriptions.models import Subscription


class Customer(Model):
    """The link between a user and their Stripe customer."""

    __tablename__ = "stripe_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    stripe_customer_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class PaymentStatus(LabelledEnum):
    OPEN = "open"
    FAILED = "failed"
    PAID = "paid"


set_labels(
    PaymentStatus,
    {
        PaymentStatus.OPEN: _l("Waiting for payment"),
        PaymentStatus.FAILED: _l("Payment failed"),
        # Not "Paid": French agrees it with the noun, and a payment is not an order.
        PaymentStatus.PAID: _l("Collected"),
    },
)


class Payment(Model):
    """One charge: an invoice of a subscription, or a one-time Checkout payment."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        # A customer's payments, newest first.
        sa.Index("ix_payment_user_created", "user_id", "created_at", "id"),
    )

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
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    amount_cents: Mapped[int] = mapped_column(sa.Integer)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[PaymentStatus] = mapped_column(enum_column(PaymentStatus, "payment_status"))
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the Stripe invoice of the charge ("in_…"); for a one-time payment, the one Checkout made
    stripe_invoice_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    #: Stripe's page of the invoice and its PDF (https:// only); empty until Stripe gives them
    hosted_invoice_url: Mapped[str | None] = mapped_column(sa.String(2048))
    invoice_pdf_url: Mapped[str | None] = mapped_column(sa.String(2048))
    #: the invoice's number, as printed on it ("1A2B3C4D-0001")
    invoice_number: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    order: Mapped[Order | None] = relationship()
    subscription: Mapped[Subscription | None] = relationship()


class WebhookEvent(Model):
    """A Stripe event already processed; the unique id makes a replay a no-op."""

    __tablename__ = "webhook_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    #: the object the event is about (session, subscription or invoice id)
    object_id: Mapped[str] = mapped_column(sa.String(255), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
