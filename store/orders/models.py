"""Orders and their lines.

Lines copy the title, price, currency and interval at purchase time, so an order reads the
same after the product changes or is deleted (the product link is nullable).
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.catalog.models import Interval, Product
from store.database import LabelledEnum, UTCDateTime, enum_column, set_labels, utcnow
from store.extensions import Model


class OrderStatus(LabelledEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    FAILED = "failed"
    ABANDONED = "abandoned"
    #: paid, then refunded in full (Stripe's charge.refunded): it gives nothing any more
    REFUNDED = "refunded"


set_labels(
    OrderStatus,
    {
        OrderStatus.PENDING_PAYMENT: _l("Waiting for payment"),
        OrderStatus.PAID: _l("Paid"),
        OrderStatus.FAILED: _l("Payment failed"),
        OrderStatus.ABANDONED: _l("Abandoned"),
        OrderStatus.REFUNDED: _l("Refunded"),
    },
)


class OrderMode(LabelledEnum):
    """How Stripe Checkout charges the order (its `mode`): once, or by starting a subscription."""

    PAYMENT = "payment"
    #: at least one line recurs; one-time lines are charged with the first invoice
    SUBSCRIPTION = "subscription"


set_labels(
    OrderMode,
    {
        OrderMode.PAYMENT: _l("One-time purchase"),
        OrderMode.SUBSCRIPTION: _l("Subscription"),
    },
)


#: the moves an order may make; anything else is refused by the services
ORDER_TRANSITIONS: dict[OrderStatus, set[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: {OrderStatus.PAID, OrderStatus.FAILED, OrderStatus.ABANDONED},
    # A customer may come back from a cancelled or failed attempt and pay the same session.
    OrderStatus.ABANDONED: {OrderStatus.PAID},
    OrderStatus.FAILED: {OrderStatus.PAID},
    OrderStatus.PAID: {OrderStatus.REFUNDED},
    OrderStatus.REFUNDED: set(),
}


class Order(Model):
    __tablename__ = "customer_order"
    __table_args__ = (
        sa.CheckConstraint("total_cents >= 0", name="total_not_negative"),
        sa.CheckConstraint("discount_cents >= 0", name="discount_not_negative"),
        # Lists newest first: all, by status, a customer's; and the exact email lookup.
        sa.Index("ix_customer_order_created", "created_at", "id"),
        sa.Index("ix_customer_order_status_created", "status", "created_at", "id"),
        sa.Index("ix_customer_order_user_created", "user_id", "created_at", "id"),
        sa.Index("ix_customer_order_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the number a customer and the admin quote, e.g. "GA-7K3F9Q2M"
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus, "order_status"), default=OrderStatus.PENDING_PAYMENT
    )
    currency: Mapped[str] = mapped_column(sa.String(3))
    total_cents: Mapped[int] = mapped_column(sa.Integer)
    mode: Mapped[OrderMode] = mapped_column(enum_column(OrderMode, "order_mode"))
    #: while pending, "<user id>:<cart fingerprint>"; unique, so a double click reuses the order
    pending_key: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255))
    stripe_subscription_id: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the checkout boxes' exact words, in the language they were shown in (None before 2026-11-28)
    consent_text: Mapped[str | None] = mapped_column(sa.Text)
    #: store.checkout.consent.CONSENT_VERSION when the customer ticked them
    consent_version: Mapped[str | None] = mapped_column(sa.String(20))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: what a coupon or promotion code took off at checkout (Stripe's total_details.amount_discount)
    discount_cents: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    #: the promotion code the customer typed on Stripe's page, e.g. "BIENVENUE"
    promotion_code: Mapped[str | None] = mapped_column(sa.String(255))

    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )

    @property
    def is_paid(self) -> bool:
        return self.status is OrderStatus.PAID

    @property
    def net_total_cents(self) -> int:
        """The total after the checkout's discount: what the order brings in."""
        return max(self.total_cents - self.discount_cents, 0)

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status}>"


class OrderLine(Model):
    __tablename__ = "order_line"
    __table_args__ = (
        sa.CheckConstraint("unit_price_cents >= 0", name="unit_price_not_negative"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="CASCADE"), index=True
    )
    #: the product, while it exists; the snapshot below is what was bought
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(120))
    unit_price_cents: Mapped[int] = mapped_column(sa.Integer)
    currency: Mapped[str] = mapped_column(sa.String(3))
    #: how often a subscription line renews; None for a one-time purchase
    interval: Mapped[Interval | None] = mapped_column(enum_column(Interval, "interval"))
    quantity: Mapped[int] = mapped_column(sa.Integer)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity
