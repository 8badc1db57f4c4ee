"""The outbox: one row per message, written in the same transaction as its cause."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.database import UTCDateTime, utcnow
from store.extensions import Model


class OutboxMessage(Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what caused it ("order-paid:GA-…"): unique, so one cause gives one message
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: the template it was made from ("order_paid"), for logs and the back office
    kind: Mapped[str] = mapped_column(sa.String(40))
    to_address: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: failed sends so far; the next try waits longer each time
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None until the SMTP server (or the local .eml folder) took it
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")

    __table_args__ = (sa.Index("ix_outbox_message_due", "sent_at", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.key} to {self.to_address}>"
