"""How many times each paid order's file was downloaded."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.database import UTCDateTime, utcnow
from store.extensions import Model


class DownloadCount(Model):
    """Downloads of one product's file under one order (the limit counts these)."""

    __tablename__ = "download_count"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "product_id"),
        sa.CheckConstraint("downloads >= 0", name="downloads_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"))
    downloads: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_download_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
