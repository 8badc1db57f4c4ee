"""Reading the catalogue."""

import sqlalchemy as sa

from store.catalog.models import Product
from store.extensions import db


def active_products_query():
    """Products on sale, in shop order."""
    return sa.select(Product).where(Product.active.is_(True)).order_by(Product.position, Product.id)


def active_products(limit: int | None = None) -> list[Product]:
    """The first `limit` products on sale (all of them without a limit), in shop order."""
    return list(db.session.scalars(active_products_query().limit(limit)))


def get_active_product(slug: str) -> Product | None:
    """The product on sale with this slug, or None."""
    return db.session.scalar(
        sa.select(Product).where(Product.slug == slug, Product.active.is_(True))
    )


def headline_offer(products: list[Product]) -> Product | None:
    """The offer the site promotes in its banner: the first product with a sales headline."""
    return next((product for product in products if product.headline), None)
