"""Access keys for an outside service (the GPT 4 gateway), and the check that service calls.

A key is issued to the customer the first time their account page shows a paid-up purchase
of a product that grants one; it is shown in full that once, then masked. Only its SHA-256
is stored: a key is 32 random bytes, so the hash cannot be reversed or guessed. Whether a key
opens anything is decided at each check from the purchase behind it, so it stops the moment
the subscription stops being paid up, the order is refunded or the key is revoked.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from store.access.models import AccessKey
from store.access.services import gives_access
from store.catalog.models import Product
from store.database import utcnow
from store.extensions import db
from store.orders.models import Order, OrderStatus
from store.settings.models import Setting
from store.settings.services import DEFAULTS
from store.subscriptions.models import Subscription, SubscriptionStatus

logger = logging.getLogger(__name__)

#: every key starts with this, so that it is recognisable in a config file or a leak scan
KEY_PREFIX = "gpta_"
#: characters kept (after KEY_PREFIX) to recognise a key once it is masked
SHOWN_CHARACTERS = 6


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def source(subscription: Subscription | None, order: Order | None) -> str:
    """The purchase a key is for: "subscription:<id>", or "order:<id>" for a one-time one."""
    if subscription is not None:
        return f"subscription:{subscription.id}"
    if order is None:
        raise ValueError("an access key comes from a subscription or an order")
    return f"order:{order.id}"


def live_keys(sources: list[str]) -> dict[str, AccessKey]:
    """The keys in force of these purchases (by `source`), in one query."""
    rows = db.session.scalars(sa.select(AccessKey).where(AccessKey.live_for.in_(sources)))
    return {row.live_for: row for row in rows if row.live_for}


def live_key(subscription: Subscription | None, order: Order | None) -> AccessKey | None:
    """The purchase's key in force, if one was issued."""
    return db.session.scalar(
        sa.select(AccessKey).where(AccessKey.live_for == source(subscription, order))
    )


def issue_key(
    user_id: int,
    product: Product,
    *,
    subscription: Subscription | None = None,
    order: Order | None = None,
) -> tuple[AccessKey, str]:
    """A new key for this purchase, replacing (revoking) the one in force; returns the row and
    the key itself, which is never stored and cannot be shown again."""
    old = live_key(subscription, order)
    if old is not None:
        revoke(old)
    key = _new_key()
    row = AccessKey(
        user_id=user_id,
        product_id=product.id,
        subscription_id=subscription.id if subscription is not None else None,
        order_id=order.id if order is not None and subscription is None else None,
        key_hash=hash_key(key),
        prefix=key[: len(KEY_PREFIX) + SHOWN_CHARACTERS],
        live_for=source(subscription, order),
    )
    db.session.add(row)
    db.session.flush()
    logger.info("access key %s issued to user %s (%s)", row.prefix, user_id, row.live_for)
    return row, key


def revoke(row: AccessKey) -> None:
    """The key stops opening anything, at once."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.live_for = None
        db.session.flush()
        logger.info("access key %s of user %s revoked", row.prefix, row.user_id)


@dataclass(frozen=True)
class KeyCheck:
    """What the access API answers about a key."""

    #: "ok", or why the key opens nothing: "invalid_key" (unknown or revoked), "inactive"
    outcome: str
    product: Product | None = None
    plan: str | None = None
    status: str | None = None
    current_period_end: datetime | None = None
    grace_period_end: datetime | None = None
    renews: bool = False

    @property
    def active(self) -> bool:
        return self.outcome == "ok"


def check_key(key: str) -> KeyCheck:
    """Whether a key opens its product now: one indexed query (key, purchase, product and the
    grace period setting together)."""
    grace_setting = (
        sa.select(Setting.value).where(Setting.key == "grace_period_days").scalar_subquery()
    )
    row = db.session.execute(
        sa.select(AccessKey, Subscription, Order, Product, grace_setting)
        .outerjoin(Subscription, AccessKey.subscription_id == Subscription.id)
        .outerjoin(Order, AccessKey.order_id == Order.id)
        .outerjoin(Product, AccessKey.product_id == Product.id)
        .where(AccessKey.key_hash == hash_key(key), AccessKey.revoked_at.is_(None))
    ).first()
    if row is None:
        return KeyCheck("invalid_key")
    _, subscription, order, product, grace_days = row
    if product is None or not product.grants_access_key:
        return KeyCheck("inactive", product=product)
    if subscription is not None:
        grace = timedelta(days=int(grace_days or DEFAULTS["grace_period_days"]))
        past_due = subscription.status is SubscriptionStatus.PAST_DUE
        return KeyCheck(
            "ok" if gives_access(subscription, grace) else "inactive",
            product=product,
            plan=product.billing.value,
            status=subscription.status.value,
            current_period_end=subscription.current_period_end,
            grace_period_end=(subscription.past_due_since or utcnow()) + grace
            if past_due
            else None,
            renews=subscription.is_paid_up and not subscription.cancel_at_period_end,
        )
    paid = order is not None and order.status is OrderStatus.PAID
    return KeyCheck(
        "ok" if paid else "inactive",
        product=product,
        plan="one_time",
        status=order.status.value if order is not None else None,
    )


def keys_of(*, order_id: int | None = None, subscription_id: int | None = None) -> list[AccessKey]:
    """The keys issued for one order or one subscription, newest first (revoked ones too)."""
    if subscription_id is not None:
        condition = AccessKey.subscription_id == subscription_id
    else:
        condition = AccessKey.order_id == order_id
    return list(
        db.session.scalars(sa.select(AccessKey).where(condition).order_by(AccessKey.id.desc()))
    )
