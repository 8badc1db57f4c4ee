"""Products and their billing."""

from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.database import LabelledEnum, UTCDateTime, enum_column, set_labels, utcnow
from store.extensions import Model, db


class Interval(LabelledEnum):
    """How often a subscription renews. The value is Stripe's `recurring.interval`, and what
    order lines store."""

    MONTH = "month"
    YEAR = "year"

    @property
    def stripe_interval(self) -> Literal["month", "year"]:
        """Stripe's `recurring.interval` for a Price of this period."""
        return "month" if self is Interval.MONTH else "year"

    @property
    def unit_code(self) -> str:
        """The UN/CEFACT code schema.org's UnitPriceSpecification takes (MON, ANN)."""
        return _INTERVAL_UNIT_CODES[self]

    @property
    def months(self) -> int:
        """Months in one period: a yearly plan counts for 1/12 of its price per month."""
        return _INTERVAL_MONTHS[self]


# the label is what follows a price: "/ mois", "/ an"
set_labels(Interval, {Interval.MONTH: _l("/ month"), Interval.YEAR: _l("/ year")})
_INTERVAL_UNIT_CODES = {Interval.MONTH: "MON", Interval.YEAR: "ANN"}
_INTERVAL_MONTHS = {Interval.MONTH: 1, Interval.YEAR: 12}


class Billing(LabelledEnum):
    """How a product is charged: once, or as a subscription renewing every month or year."""

    ONE_TIME = "one_time"
    MONTHLY = "month"
    YEARLY = "year"

    @property
    def interval(self) -> Interval | None:
        """The renewal period of a subscription; None for a one-time purchase."""
        return None if self is Billing.ONE_TIME else Interval(self.value)


set_labels(
    Billing,
    {
        Billing.ONE_TIME: _l("One-time"),
        Billing.MONTHLY: _l("Monthly"),
        Billing.YEARLY: _l("Yearly"),
    },
)


class Product(Model):
    __tablename__ = "product"
    __table_args__ = (
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint("trial_days BETWEEN 1 AND 730", name="trial_days_in_range"),
        # The database itself refuses a second featured product, whatever the code does.
        sa.Index(
            "uq_product_one_featured",
            "featured",
            unique=True,
            sqlite_where=sa.text("featured"),
            postgresql_where=sa.text("featured"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL name, unique: /shop/<slug>
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: one or two lines shown on cards and in the cart
    short_description: Mapped[str] = mapped_column(sa.String(300), default="")
    #: the full description on the product page (Markdown, rendered sanitised like articles)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: a sales line used where an article embeds the offer, e.g. "… dès aujourd'hui pour 7€"
    headline: Mapped[str] = mapped_column(sa.String(200), default="")
    #: price in minor units (cents) of `currency`; never a float
    price_cents: Mapped[int] = mapped_column(sa.Integer)
    #: ISO 4217 code, upper case
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    billing: Mapped[Billing] = mapped_column(enum_column(Billing, "billing"))
    #: free days before a new subscriber's first payment (subscriptions only; None: no trial)
    trial_days: Mapped[int | None] = mapped_column(sa.Integer)
    #: another plan of the same offer (the yearly "Accès à GPT 4" is a plan of the monthly
    #: one): a subscriber to either holds the offer, and may switch between its plans
    plan_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id", ondelete="SET NULL"))
    plan_of: Mapped["Product | None"] = relationship(remote_side="Product.id")
    #: inactive (archived) products are hidden from the shop and dropped from carts
    active: Mapped[bool] = mapped_column(default=True)
    #: ordering in the shop, smallest first; a new product goes last (see next_position)
    position: Mapped[int] = mapped_column(default=0)
    #: the offer of the home page banner, chosen in the back office; at most one product
    featured: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: what buying it gives, while its order is paid or its subscription paid up (see
    #: store/access/services.py): subscriber-only articles, a file, a key for an outside service
    grants_articles: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    grants_download: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    grants_access_key: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: the file sold, stored under DOWNLOADS_FOLDER by this random name (never a URL)
    file_key: Mapped[str | None] = mapped_column(sa.String(64))
    #: the file's name as the buyer receives it (sanitised), its size and media type
    file_name: Mapped[str | None] = mapped_column(sa.String(120))
    file_size: Mapped[int | None] = mapped_column(sa.Integer)
    file_type: Mapped[str | None] = mapped_column(sa.String(60))
    stripe_product_id: Mapped[str | None] = mapped_column(sa.String(255))
    stripe_price_id: Mapped[str | None] = mapped_column(sa.String(255))
    #: `price_terms` when the Stripe Price was created: a change means a new Price is due
    stripe_price_terms: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_subscription(self) -> bool:
        return self.billing is not Billing.ONE_TIME

    @property
    def has_plans(self) -> bool:
        """Other products are plans of this one's offer."""
        return (
            db.session.scalar(sa.select(Product.id).where(Product.plan_of_id == self.id).limit(1))
            is not None
        )

    @property
    def offer_id(self) -> int:
        """The offer this product is a plan of: the id of its first plan (its own when it is
        one, or is no plan at all). Two subscriptions to one offer bill a customer twice."""
        return self.plan_of_id or self.id

    @property
    def offers_trial(self) -> bool:
        """A subscription that starts with free days (for a customer who never subscribed)."""
        return self.is_subscription and bool(self.trial_days)

    @property
    def bought_once(self) -> bool:
        """One is all a buyer can use: a subscription, or a product whose download or access
        key is the buyer's own (a second copy would give nothing more)."""
        return self.is_subscription or self.grants_download or self.grants_access_key

    @property
    def has_file(self) -> bool:
        return bool(self.grants_download and self.file_key)

    @property
    def interval(self) -> Interval | None:
        """How often the subscription renews, or None for a one-time product."""
        return self.billing.interval

    @property
    def price_terms(self) -> str:
        """What a Stripe Price fixes: amount, currency and interval, e.g. "700 EUR month"."""
        return f"{self.price_cents} {self.currency} {self.billing.value}"

    @property
    def stripe_price_current(self) -> bool:
        """True when the Stripe Price on file still sells at the product's terms."""
        return bool(self.stripe_price_id) and self.stripe_price_terms == self.price_terms

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"
