"""Key/value settings edited in the back office."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.extensions import Model


class Setting(Model):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(500))
