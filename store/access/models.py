"""Access keys: what a customer gives an outside service (the GPT 4 gateway) to prove that
they pay for access. Only a hash of each key is kept."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.accounts.models import User
from store.catalog.models import Product
from store.database import UTCDateTime, utcnow
from store.extensions import Model
from store.orders.models import Order
from store.subscriptions.models import Subscription


class AccessKey(Model):
    __tablename__ = "access_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id", ondelete="SET NULL"))
    #: what pays for it: a subscription, or a paid one-time order
    subscription_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("subscription.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the key (keys are 256-bit random, so a plain hash cannot be reversed)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: the key's first characters, shown masked on /account and in the back office
    prefix: Mapped[str] = mapped_column(sa.String(16))
    #: "<source>:<id>" while the key is live, NULL once revoked: one live key per purchase
    live_for: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    product: Mapped[Product | None] = relationship()
    subscription: Mapped[Subscription | None] = relationship()
    order: Mapped[Order | None] = relationship()

    @property
    def masked(self) -> str:
        return f"{self.prefix}…"

    def __repr__(self) -> str:
        return f"<AccessKey {self.prefix}… user {self.user_id}>"
