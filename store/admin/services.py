"""Back-office work: price parsing, slugs, the product and article forms put into the
models, the Stripe sync of products, moderation, and the dashboard's figures. Services
flush; the view commits."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from store.articles.models import Article, ArticleStatus, Category, Comment, CommentStatus
from store.catalog import services as catalog
from store.catalog.models import Billing, Product
from store.database import utcnow
from store.extensions import db
from store.legal.services import IdentityField, missing_identity
from store.money import format_amount_input
from store.orders.models import Order, OrderLine, OrderStatus
from store.payments import gateway
from store.payments.models import Payment, PaymentStatus
from store.subscriptions.models import PAID_UP_STATUSES, Subscription

if TYPE_CHECKING:  # the forms import this module (parse_price)
    from store.admin.forms import ArticleForm, ProductForm

logger = logging.getLogger(__name__)

#: the most a price may be, in cents (Stripe's limit for an amount is 8 digits)
MAX_PRICE_CENTS = 99_999_999
_PRICE = re.compile(r"^(\d{1,6})(?:[.,](\d{1,2}))?$")


class PriceError(ValueError):
    """A price that cannot be read."""


def parse_price(text: str) -> int:
    """Read a price typed in euros, as a French user types it, into cents.

    "7" → 700, "7,00" → 700, "7.5" → 750, "1 234,56" → 123456. Negative numbers, letters
    and exponents ("1e9") are refused.
    """
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "").removesuffix("€")
    match = _PRICE.match(cleaned)
    if not match:
        raise PriceError(text)
    euros, cents = match.groups()
    value = int(euros) * 100 + int((cents or "0").ljust(2, "0"))
    if value > MAX_PRICE_CENTS:
        raise PriceError(text)
    return value


def format_price_input(cents: int) -> str:
    """Cents back to what the price field shows: 700 → "7,00"."""
    return format_amount_input(cents)


def slugify(text: str) -> str:
    """ "Accès à GPT 4" → "acces-a-gpt-4"."""
    words = re.sub(r"[\W_]+", " ", text)  # punctuation such as ’ separates words
    ascii_text = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100] or "item"


def unique_slug(model, wanted: str, *, exclude_id: int | None = None) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`… whichever no other row of `model` uses."""
    base = slugify(wanted)
    taken = set(
        db.session.scalars(
            sa.select(model.slug).where(
                sa.or_(model.slug == base, model.slug.like(f"{base}-%")),
                model.id != (exclude_id or 0),
            )
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def slug_in_use(model, slug: str, *, exclude_id: int | None = None) -> bool:
    """True when another row of `model` has this slug."""
    query = sa.select(model.id).where(model.slug == slug, model.id != (exclude_id or 0))
    return db.session.scalar(query) is not None


# --- products --------------------------------------------------------------------------


def apply_product_form(form: ProductForm, product: Product) -> None:
    """Copy a valid product form onto `product`. A new product without a position goes after
    the others; ticking "featured" un-features the product featured until now."""
    product.name = form.name.data
    product.slug = form.slug.data or unique_slug(Product, form.name.data, exclude_id=product.id)
    product.short_description = form.short_description.data or ""
    product.description = form.description.data or ""
    product.headline = form.headline.data or ""
    product.price_cents = form.price_cents
    product.currency = form.currency.data
    product.billing = Billing(form.billing.data)
    product.trial_days = form.trial_days.data if product.is_subscription else None
    product.active = form.active.data
    if form.position.data is not None:
        product.position = form.position.data
    elif product.id is None:
        product.position = catalog.next_position()
    product.plan_of_id = form.plan_of_id.data if product.is_subscription else None
    product.grants_articles = form.grants_articles.data
    product.grants_download = form.grants_download.data
    product.grants_access_key = form.grants_access_key.data
    if form.featured.data:
        catalog.feature(product)
    else:
        product.featured = False


def sync_product_to_stripe(product: Product) -> None:
    """Create or update the Stripe Product; a new price gets a new Stripe Price and the
    old one is archived (existing subscribers keep it). Raises gateway.StripeError."""
    product.stripe_product_id = gateway.upsert_product(product)
    if product.stripe_price_current:
        return
    old_price = product.stripe_price_id
    product.stripe_price_id = gateway.create_price(product)
    product.stripe_price_terms = product.price_terms
    if old_price:
        gateway.archive_price(old_price)
    logger.info(
        "product %s: Stripe price %s replaces %s", product.id, product.stripe_price_id, old_price
    )


def articles_offering(product: Product, shown: int = 5) -> tuple[int, list[str]]:
    """How many articles embed this product as their offer, and the titles of the newest."""
    embedding = sa.select(Article).where(Article.offer_product_id == product.id)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(embedding.subquery())) or 0
    titles = db.session.scalars(
        embedding.with_only_columns(Article.title)
        .order_by(Article.published_at.desc().nulls_first(), Article.id.desc())
        .limit(shown)
    ).all()
    return count, list(titles)


def product_has_orders(product: Product) -> bool:
    query = sa.select(OrderLine.id).where(OrderLine.product_id == product.id).limit(1)
    return db.session.scalar(query) is not None


# --- articles --------------------------------------------------------------------------


def apply_article_form(form: ArticleForm, article: Article) -> None:
    """Copy a valid article form onto `article`, creating the new category it names."""
    article.title = form.title.data
    article.slug = form.slug.data or unique_slug(Article, form.title.data, exclude_id=article.id)
    if form.new_category.data:
        article.category = create_category(form.new_category.data)
    elif form.category_id.data:
        article.category = db.session.get(Category, form.category_id.data)
    else:
        article.category = None
    article.excerpt = form.excerpt.data or ""
    article.body = form.body.data or ""
    article.offer_product_id = form.offer_id.data or None
    article.subscribers_only = form.subscribers_only.data
    article.access_products = list(
        db.session.scalars(sa.select(Product).where(Product.id.in_(form.access_product_ids.data)))
    )
    article.published_at = form.published_at_utc()


def create_category(name: str) -> Category:
    """A new category (the form has checked that no category has this name)."""
    category = Category(name=name, slug=unique_slug(Category, name))
    db.session.add(category)
    db.session.flush()
    logger.info("category %s created", category.slug)
    return category


# --- comments --------------------------------------------------------------------------

MODERATION_ACTIONS = {
    "approve": CommentStatus.APPROVED,
    "spam": CommentStatus.SPAM,
    "pending": CommentStatus.PENDING,
}


def moderate(comment_ids: list[int], action: str) -> int:
    """Approve, mark as spam, send back to pending, or delete comments; returns how many."""
    comments = list(db.session.scalars(sa.select(Comment).where(Comment.id.in_(comment_ids))))
    for comment in comments:
        if action == "delete":
            db.session.delete(comment)
        else:
            comment.status = MODERATION_ACTIONS[action]
    db.session.flush()
    logger.info("comments %s: %s", [c.id for c in comments], action)
    return len(comments)


# --- dashboard -------------------------------------------------------------------------


@dataclass
class Dashboard:
    active_subscriptions: int
    mrr_cents: int
    revenue_30_days_cents: int
    orders_waiting: int
    comments_waiting: int
    stripe_configured: bool
    webhook_configured: bool
    #: the required publisher-identity fields still empty (the mentions légales show a gap)
    legal_identity_missing: list[IdentityField]


def dashboard() -> Dashboard:
    """The figures on the admin's front page: one aggregate query each, whatever the number
    of subscriptions, orders, payments or comments."""
    active, mrr = db.session.execute(
        sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(Subscription.monthly_value_cents), 0)
        ).where(Subscription.status.in_(PAID_UP_STATUSES))
    ).one()
    since = utcnow() - timedelta(days=30)
    revenue = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_cents), 0)).where(
            Payment.status == PaymentStatus.PAID, Payment.created_at >= since
        )
    )
    return Dashboard(
        active_subscriptions=int(active),
        mrr_cents=int(mrr),
        revenue_30_days_cents=int(revenue or 0),
        orders_waiting=db.session.scalar(
            sa.select(sa.func.count(Order.id)).where(Order.status == OrderStatus.PENDING_PAYMENT)
        )
        or 0,
        comments_waiting=db.session.scalar(
            sa.select(sa.func.count(Comment.id)).where(Comment.status == CommentStatus.PENDING)
        )
        or 0,
        stripe_configured=gateway.is_configured(),
        webhook_configured=gateway.webhook_secret_configured(),
        legal_identity_missing=missing_identity(),
    )


def article_status(article: Article) -> ArticleStatus:
    """Published, scheduled (a publication date ahead) or draft (no date)."""
    if article.published_at is None:
        return ArticleStatus.DRAFT
    return ArticleStatus.PUBLISHED if article.published_at <= utcnow() else ArticleStatus.SCHEDULED
