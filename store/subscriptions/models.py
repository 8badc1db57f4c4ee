"""The store's copy of each Stripe subscription, and the subscription statuses."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from store.accounts.models import User
from store.catalog.models import Product
from store.database import LabelledEnum, UTCDateTime, enum_column, set_labels, utcnow
from store.extensions import Model
from store.orders.models import Order


class SubscriptionStatus(LabelledEnum):
    """Stripe's subscription statuses, as Stripe names them."""

    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


set_labels(
    SubscriptionStatus,
    {
        SubscriptionStatus.INCOMPLETE: _l("Incomplete"),
        SubscriptionStatus.INCOMPLETE_EXPIRED: _l("Expired"),
        SubscriptionStatus.TRIALING: _l("Trial"),
        SubscriptionStatus.ACTIVE: _l("Active"),
        SubscriptionStatus.PAST_DUE: _l("Payment failed"),
        SubscriptionStatus.CANCELED: _l("Ended"),
        SubscriptionStatus.UNPAID: _l("Unpaid"),
        SubscriptionStatus.PAUSED: _l("Paused"),
    },
)


#: statuses in which the customer has paid for the current period
PAID_UP_STATUSES = {SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING}
#: statuses from which a subscription never comes back
ENDED_STATUSES = {SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED}


class Subscription(Model):
    __tablename__ = "subscription"
    # Lists newest first: all, by status, a customer's.
    __table_args__ = (
        sa.Index("ix_subscription_created", "created_at", "id"),
        sa.Index("ix_subscription_status_created", "status", "created_at", "id"),
        sa.Index("ix_subscription_user_created", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_subscription_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(sa.String(255), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: the order that started it; its lines say everything the subscription gives
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="SET NULL"), index=True
    )
    #: the product its first item bills now (followed when the plan is switched), for display
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="SET NULL"), index=True
    )
    #: every product its items bill now, as Stripe last said (at most Stripe's 20 items);
    #: None for a row synced before the store kept it (its order's lines say instead)
    plan_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus, "subscription_status")
    )
    #: end of the period already paid for (from the subscription items)
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    #: when the subscription last became past due (the grace period counts from here)
    past_due_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: what it brings per month, in cents (`monthly_value_cents`), kept with the row so that
    #: the dashboard sums a column instead of reading every subscription's order lines
    monthly_value_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship()
    order: Mapped[Order | None] = relationship()
    product: Mapped[Product | None] = relationship()

    @property
    def is_paid_up(self) -> bool:
        return self.status in PAID_UP_STATUSES

    @property
    def in_trial(self) -> bool:
        """In its free trial: nothing paid yet, the first payment due at the period end."""
        return self.status is SubscriptionStatus.TRIALING

    @property
    def has_ended(self) -> bool:
        """Over for good: Stripe will not bill it again, nor can it be resumed."""
        return self.status in ENDED_STATUSES

    def __repr__(self) -> str:
        return f"<Subscription {self.stripe_subscription_id} {self.status}>"


def per_month(cents: int, months: int) -> int:
    """`cents` for `months` months, per month, rounded half up (in integers)."""
    return (2 * cents + months) // (2 * months)


def monthly_value_cents(subscription: Subscription) -> int:
    """What a subscription brings per month: its order's recurring lines (a yearly plan
    counts for 1/12), else its product's price."""
    periods = [
        (line.total_cents, line.interval)
        for line in (subscription.order.lines if subscription.order else [])
        if line.interval
    ]
    if periods:
        return sum(per_month(cents, interval.months) for cents, interval in periods)
    product = subscription.product
    if product is None or not product.interval:
        return 0
    return per_month(product.price_cents, product.interval.months)


@sa.event.listens_for(Session, "before_flush")
def _keep_monthly_values(session, flush_context, instances) -> None:
    """Every subscription written carries its monthly value, however it was written (a
    webhook, the back office, a test): valued when it is new or its order or product changes
    (an order's lines never change once placed; a product's later price does not reprice
    subscribers, as at Stripe). The order and product are read from the ids when set: a row
    not flushed yet loads no relationship from an id."""
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty):
            if not isinstance(obj, Subscription):
                continue
            state = sa.inspect(obj)
            changed = state.pending or any(
                state.attrs[name].history.has_changes()
                for name in ("order_id", "product_id", "order", "product")
            )
            if not changed:
                continue
            if obj.order_id is not None:
                obj.order = session.get(Order, obj.order_id)
            if obj.product_id is not None:
                obj.product = session.get(Product, obj.product_id)
            obj.monthly_value_cents = monthly_value_cents(obj)
