"""Column types and helpers shared by every model."""

import enum
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from sqlalchemy.types import TypeDecorator


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum column storing the member values, with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def contains_text(column, text: str) -> sa.ColumnElement[bool]:
    """`column` holds `text`, whatever the case, a typed % or _ searched for itself: `ILIKE`
    on PostgreSQL (which a pg_trgm index serves, store/search/schema.py), `lower() LIKE` on
    SQLite."""
    # NFC, as stored emails are (store/accounts/models.py): a decomposed `í` finds `í`
    text = unicodedata.normalize("NFC", text)
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the callable default of every timestamp)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LabelledEnum(enum.StrEnum):
    """A status stored as text whose members each have one translated label, given right
    below the enum with `set_labels`: templates show `member.label`, never the raw value."""

    @property
    def label(self) -> LazyString:
        return _LABELS[type(self)][self]


_LABELS: dict[type[LabelledEnum], Mapping[LabelledEnum, LazyString]] = {}


def set_labels(enum_cls: type[LabelledEnum], labels: Mapping[Any, LazyString]) -> None:
    """Give every member of `enum_cls` its label (a member left out is an error at import)."""
    missing = set(enum_cls) - set(labels)
    if missing:
        raise ValueError(f"{enum_cls.__name__} has no label for {sorted(missing)}")
    _LABELS[enum_cls] = labels
