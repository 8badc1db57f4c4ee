"""What a purchase gives, and who may read a subscriber-only article.

A product grants, per its back-office ticks, subscriber-only articles, a download and/or an
access key for an outside service, while its one-time order is paid, or while its
subscription is paid up.

A subscription gives access while Stripe says it is paid up (active or trialing; one set to
cancel at the period end keeps access until that date) and, once past due, for the grace
period the admin set (default 7 days). A deleted, unpaid or expired subscription gives none.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.orm import load_only, selectinload

from store.articles.models import Article, article_access
from store.articles.services import is_published
from store.catalog.models import Product
from store.database import utcnow
from store.extensions import db
from store.markdown import MARKDOWN, render_markdown
from store.orders.models import Order, OrderLine, OrderStatus
from store.pagination import count_up_to
from store.settings.services import grace_period_days
from store.subscriptions.models import Subscription, SubscriptionStatus
from store.text import normalise_newlines

#: paragraphs (or other blocks, headings aside) a non-subscriber reads before the offer
TEASER_PARAGRAPHS = 2
#: and never more than this fraction of the body's words (1/3)
TEASER_SHARE = 3

_MAYBE_ACCESS = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.PAST_DUE,
)


def subscription_product_ids(subscription: Subscription) -> set[int]:
    """Every product the subscription pays for now: the products its items bill, as Stripe
    last said, so a plan switched anywhere gives what the new plan gives and the old plan
    nothing more. A row synced before the store kept them: its plan and its order's
    recurring lines (several offers bought in one checkout)."""
    if subscription.plan_ids is not None:
        return set(subscription.plan_ids)
    ids = {subscription.product_id} if subscription.product_id else set()
    if subscription.order is not None:
        ids |= {
            line.product_id
            for line in subscription.order.lines
            if line.interval and line.product_id
        }
    return ids


def gives_access(subscription: Subscription, grace: timedelta) -> bool:
    """True while the subscription lets its owner read subscriber-only articles."""
    now = utcnow()
    if subscription.status not in _MAYBE_ACCESS:
        return False
    if subscription.status is SubscriptionStatus.PAST_DUE:
        return (subscription.past_due_since or now) + grace > now
    ended = subscription.current_period_end is not None and subscription.current_period_end < now
    return not (subscription.cancel_at_period_end and ended)


def reader_subscriptions(user) -> list[Subscription]:
    """The user's subscriptions that may give access, with their order lines loaded; read
    once per request (the page's offers and its paywall both ask)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cache = g.setdefault("reader_subscriptions", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = list(
            db.session.scalars(
                sa.select(Subscription)
                .options(selectinload(Subscription.order).selectinload(Order.lines))
                .where(Subscription.user_id == user.id, Subscription.status.in_(_MAYBE_ACCESS))
            )
        )
    return cache[user.id]


def held_offers(user) -> dict[int, Subscription]:
    """Offer id (`Product.offer_id`) → the subscription through which the user holds it now:
    paid up, trialing, cancelling but paid until its period's end, or past due within the
    grace period. Such a customer is never sold the offer again, in any of its plans."""
    cache = g.setdefault("held_offers", {}) if has_request_context() else {}
    if user.id in cache:
        return cache[user.id]
    grace = timedelta(days=grace_period_days())
    holders: dict[int, Subscription] = {}
    for subscription in reader_subscriptions(user):
        if gives_access(subscription, grace):
            for product_id in subscription_product_ids(subscription):
                holders.setdefault(product_id, subscription)
    held: dict[int, Subscription] = {}
    if holders:
        offers = db.session.execute(
            sa.select(Product.id, sa.func.coalesce(Product.plan_of_id, Product.id)).where(
                Product.id.in_(holders)
            )
        )
        for product_id, offer_id in offers:
            held.setdefault(offer_id, holders[product_id])
    cache[user.id] = held
    return held


def holding(user, product) -> Subscription | None:
    """The subscription through which `user` already holds `product`'s offer, if any."""
    if not product.is_subscription or not getattr(user, "is_authenticated", False):
        return None
    return held_offers(user).get(product.offer_id)


def paid_one_time_products(user) -> set[int]:
    """The products of the one-time lines of the user's paid orders (a refund or failure takes
    them away): distinct ids, however many orders bought them."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        db.session.scalars(
            sa.select(OrderLine.product_id)
            .join(Order)
            .where(
                Order.user_id == user.id,
                Order.status == OrderStatus.PAID,
                OrderLine.interval.is_(None),
                OrderLine.product_id.is_not(None),
            )
            .distinct()
        )
    )


def granted_product_ids(user, grant: str = "articles") -> set[int]:
    """The products whose `grant` the user holds now: paid-up subscriptions, paid orders."""
    grace = timedelta(days=grace_period_days())
    paid: set[int] = set()
    for subscription in reader_subscriptions(user):
        if gives_access(subscription, grace):
            paid |= subscription_product_ids(subscription)
    paid |= {product_id for product_id in paid_one_time_products(user) if product_id}
    if not paid:
        return set()
    flag = getattr(Product, f"grants_{grant}")
    return set(db.session.scalars(sa.select(Product.id).where(Product.id.in_(paid), flag)))


def order_gives(order: Order, product: Product, grace: timedelta | None = None) -> bool:
    """Whether this order still gives what `product` grants: a one-time line of a paid order,
    or a recurring line whose subscription is paid up (grace period included) and still
    bills that product."""
    line = next((line for line in order.lines if line.product_id == product.id), None)
    if line is None:
        return False
    if line.interval is None:
        return order.status is OrderStatus.PAID
    grace = grace if grace is not None else timedelta(days=grace_period_days())
    subscriptions = db.session.scalars(
        sa.select(Subscription).where(Subscription.order_id == order.id).limit(20)
    )
    # Still billed for it: a plan switched away from gives nothing more.
    return any(
        gives_access(subscription, grace) and product.id in subscription_product_ids(subscription)
        for subscription in subscriptions
    )


def unlocks(article: Article, product_ids: set[int]) -> bool:
    """Whether a subscription to these products opens the article (no list: any does)."""
    wanted = {product.id for product in article.access_products}
    return bool(product_ids & wanted) if wanted else bool(product_ids)


def can_read(user, article: Article) -> bool:
    """Whether this reader sees the whole article."""
    if not article.subscribers_only:
        return True
    if getattr(user, "is_authenticated", False) and getattr(user, "is_admin", False):
        return True
    return unlocks(article, granted_product_ids(user))


def teaser(body: str, paragraphs: int = TEASER_PARAGRAPHS) -> str:
    """The opening a non-subscriber reads, as Markdown, cut from the parsed body.

    Top-level blocks are kept from the start (headings do not count as paragraphs) until
    `paragraphs` blocks are kept or the next one would pass a third of the body's words; a
    first block too long for that budget (one huge paragraph, list, table or code block)
    is given as its opening words in plain text. Nothing after the cut is ever returned.
    """
    source = normalise_newlines(body or "")
    blocks = [
        (token, span, text.split())
        for token, span, text in _top_level_blocks(MARKDOWN.parse(source))
    ]
    budget = sum(len(words) for _, _, words in blocks) // TEASER_SHARE
    lines = source.split("\n")
    kept: list[str] = []
    used = counted = 0
    for token, (start, end), words in blocks:
        if used + len(words) > budget:
            opening = words[: budget - used]
            if opening and not counted and token.type != "heading_open":
                kept.append(_escape_markdown(" ".join(opening)) + " …")
            break
        kept.append("\n".join(lines[start:end]).strip("\n"))
        used += len(words)
        if token.type != "heading_open":
            counted += 1
            if counted >= paragraphs:
                break
    return "\n\n".join(kept)


def render_body_and_teaser(body: str) -> tuple[str, str]:
    """An article body's sanitised HTML, whole and cut to its teaser: what `Article.body_html`
    and `Article.teaser_html` store."""
    return str(render_markdown(body)), str(render_markdown(teaser(body)))


def _top_level_blocks(tokens) -> list[tuple[Any, tuple[int, int], str]]:
    """(opening token, source line range, plain text) of each top-level Markdown block."""
    blocks: list[tuple[Any, tuple[int, int], str]] = []
    for token in tokens:
        if token.level == 0 and token.nesting >= 0 and token.map:
            blocks.append((token, (token.map[0], token.map[1]), ""))
        if blocks and token.content:
            first, span, text = blocks[-1]
            blocks[-1] = (first, span, " ".join(filter(None, (text, _plain_text(token)))))
    return blocks


def _plain_text(token) -> str:
    """The words a reader sees in a token (Markdown punctuation left out)."""
    if token.type == "inline":
        return " ".join(child.content for child in token.children or () if child.content)
    return token.content


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def _escape_markdown(text: str) -> str:
    """Plain text that Markdown renders as itself (every ASCII punctuation escaped)."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def unlocked_query(product_ids: set[int]):
    """The published subscriber-only articles that these products open (those that grant
    articles; see `granted_product_ids`), newest first: `unlocks` in SQL, so that a count or
    a page of them never loads them all."""
    listed = sa.exists().where(article_access.c.article_id == Article.id)
    opened = sa.exists().where(
        article_access.c.article_id == Article.id,
        article_access.c.product_id.in_(sorted(product_ids)),
    )
    return (
        sa.select(Article)
        # what a list of them shows: not the bodies
        .options(load_only(Article.id, Article.slug, Article.title, Article.published_at))
        # the bare column, as the partial index ix_article_subscribers_published says it
        # (PostgreSQL does not take `IS true` for it)
        .where(Article.subscribers_only, is_published(), sa.or_(~listed, opened))
        .order_by(Article.published_at.desc(), Article.id.desc())
    )


#: how far the unlocked articles of a purchase are counted ("more than 1 000")
UNLOCKED_COUNTED = 1_000


@dataclass
class Unlocked:
    """What a purchase opens, as /account says it: how many (up to UNLOCKED_COUNTED) and the
    newest few."""

    count: int
    capped: bool
    newest: list[Article]


def unlocked_summary(product_ids: set[int], newest: int = 5) -> Unlocked:
    """Two bounded queries, whatever the number of articles."""
    if not product_ids:
        return Unlocked(0, False, [])
    query = unlocked_query(product_ids)
    counted = count_up_to(query, UNLOCKED_COUNTED)
    articles = list(db.session.scalars(query.limit(newest))) if counted else []
    return Unlocked(min(counted, UNLOCKED_COUNTED), counted > UNLOCKED_COUNTED, articles)


def offer_for(article: Article):
    """The offer shown with an article: its own offer, or one that unlocks it."""
    candidates = [article.offer] if article.offer is not None else []
    if article.subscribers_only:
        wanted = article.access_products
        if wanted and article.offer not in wanted:
            candidates = list(wanted)
    return next((product for product in candidates if product.active), None)
