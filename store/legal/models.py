"""The legal pages, one per kind and language, edited in the back office."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from store.database import LabelledEnum, UTCDateTime, enum_column, set_labels, utcnow
from store.extensions import Model


class LegalKind(LabelledEnum):
    MENTIONS = "mentions"
    CGV = "cgv"
    PRIVACY = "privacy"


set_labels(
    LegalKind,
    {
        LegalKind.MENTIONS: _l("Legal notice"),
        LegalKind.CGV: _l("Terms of sale"),
        LegalKind.PRIVACY: _l("Privacy policy"),
    },
)


class LegalPage(Model):
    __tablename__ = "legal_page"
    __table_args__ = (
        sa.UniqueConstraint("kind", "locale"),
        sa.CheckConstraint("locale IN ('fr', 'en')", name="locale_known"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LegalKind] = mapped_column(enum_column(LegalKind, "legal_kind"))
    #: "fr" or "en"
    locale: Mapped[str] = mapped_column(sa.String(2))
    #: the text in Markdown; rendered and sanitised on display
    body_markdown: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: goes up by one on each save, so that an order can record which CGV the buyer accepted
    version: Mapped[int] = mapped_column(default=1)

    def __repr__(self) -> str:
        return f"<LegalPage {self.kind.value} {self.locale} v{self.version}>"
