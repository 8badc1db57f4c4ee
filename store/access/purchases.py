"""What each of a customer's purchases gives them now, for /account: the subscriber-only
articles it opens, the files to download and the access key, with how to use each."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from store.access import keys
from store.access.models import AccessKey
from store.access.services import Unlocked, gives_access, unlocked_summary
from store.catalog.models import Product
from store.downloads import services as downloads
from store.extensions import db
from store.orders.models import Order, OrderStatus
from store.settings.services import grace_period_days
from store.subscriptions.models import Subscription


@dataclass
class Download:
    product: Product
    url: str
    left: int


@dataclass
class KeyShown:
    product: Product
    row: AccessKey
    #: the whole key, only in the response that issued it
    full: str | None = None


@dataclass
class Grants:
    """What one subscription or one paid order gives while it is paid up."""

    active: bool
    #: the subscriber-only articles it opens: how many, and the newest few
    unlocked: Unlocked | None = None
    article_products: list[Product] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    keys: list[KeyShown] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.article_products or self.downloads or self.keys)


def _products(order: Order | None, recurring: bool) -> list[Product]:
    if order is None:
        return []
    return [
        line.product
        for line in order.lines
        if line.product is not None and bool(line.interval) == recurring
    ]


@dataclass
class _Reads:
    """What the grants of one page read once for all the purchases it shows: the articles a
    set of products opens, the downloads used, the keys in force."""

    unlocked: dict[frozenset[int], Unlocked] = field(default_factory=dict)
    #: (order id, product id) → downloads used
    downloads: dict[tuple[int, int], int] = field(default_factory=dict)
    #: a purchase's source ("order:1", "subscription:2") → its key in force
    keys: dict[str, AccessKey] = field(default_factory=dict)

    def read(self, purchases: Sequence[tuple[list[Product], Order | None, Subscription | None]]):
        """One query for the downloads and one for the keys of all `purchases`."""
        with_files = [
            order.id
            for products, order, _ in purchases
            if order is not None and any(p.has_file for p in products)
        ]
        if with_files:
            self.downloads.update(downloads.downloads_of_orders(with_files))
        sources = [
            keys.source(subscription, order)
            for products, order, subscription in purchases
            if any(p.grants_access_key for p in products)
        ]
        if sources:
            self.keys.update(keys.live_keys(sources))
        return self


def _grants(
    user,
    products: list[Product],
    order: Order | None,
    subscription: Subscription | None,
    reads: _Reads,
) -> Grants:
    grace = timedelta(days=grace_period_days())
    if subscription is not None:
        active = gives_access(subscription, grace)
    else:
        active = order is not None and order.status is OrderStatus.PAID
    grants = Grants(active=active)
    if not active:
        return grants
    grants.article_products = [p for p in products if p.grants_articles]
    product_ids = frozenset(p.id for p in grants.article_products)
    if product_ids and product_ids not in reads.unlocked:  # once per page for these products
        reads.unlocked[product_ids] = unlocked_summary(set(product_ids))
    grants.unlocked = reads.unlocked.get(product_ids)
    limit = current_app.config["DOWNLOAD_LIMIT"]
    for product in products:
        if product.has_file and order is not None:
            used = reads.downloads.get((order.id, product.id), 0)
            grants.downloads.append(
                Download(
                    product, downloads.download_url(order.id, product.id, user.id), limit - used
                )
            )
    key_product = next((p for p in products if p.grants_access_key), None)
    if key_product is not None:
        row = reads.keys.get(keys.source(subscription, order))
        full = None
        if row is None:  # first time shown: issue it, and show it whole this once
            try:
                with db.session.begin_nested():
                    row, full = keys.issue_key(
                        user.id, key_product, subscription=subscription, order=order
                    )
            except IntegrityError:  # the same page, loaded twice at once, issued it first
                row, full = keys.live_key(subscription, order), None
        if row is not None:
            grants.keys.append(KeyShown(key_product, row, full))
    return grants


def subscription_grants(
    user, subscriptions: list[Subscription], reads: _Reads | None = None
) -> dict[int, Grants]:
    """Subscription id → what it gives (the recurring products of its order). `reads`: what
    the page already read (the articles a set of products opens)."""
    purchases = []
    for subscription in subscriptions:
        products = _products(subscription.order, recurring=True)
        if not products and subscription.product is not None:
            products = [subscription.product]
        purchases.append((products, subscription.order, subscription))
    reads = (reads or _Reads()).read(purchases)
    return {
        subscription.id: _grants(user, products, order, subscription, reads)
        for products, order, subscription in purchases
        if subscription is not None
    }


def order_grants(user, orders: list[Order], reads: _Reads | None = None) -> dict[int, Grants]:
    """Order id → what its one-time products give (while the order is paid)."""
    purchases = [
        (products, order, None)
        for order in orders
        if (products := _products(order, recurring=False))
    ]
    reads = (reads or _Reads()).read(purchases)
    return {
        order.id: _grants(user, products, order, None, reads)
        for products, order, _ in purchases
        if order is not None
    }


def page_reads() -> _Reads:
    """A page's reads, shared by the grants of its subscriptions and of its orders."""
    return _Reads()


def owns_key(user, key_id: int) -> bool:
    row = db.session.get(AccessKey, key_id)
    return row is not None and row.user_id == user.id


def regenerate_key(user, key_id: int) -> KeyShown | None:
    """Replace the user's own live key by a new one (the old one stops at once); None when
    the key is not theirs, not live, or its purchase no longer gives a key."""
    row = db.session.get(AccessKey, key_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return None
    product = row.product
    if product is None or not product.grants_access_key:
        return None
    if row.subscription is not None:
        active = gives_access(row.subscription, timedelta(days=grace_period_days()))
    else:
        active = row.order is not None and row.order.status is OrderStatus.PAID
    if not active:
        return None
    new_row, full = keys.issue_key(user.id, product, subscription=row.subscription, order=row.order)
    return KeyShown(product, new_row, full)
