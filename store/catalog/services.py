"""Reading the catalogue."""

import sqlalchemy as sa

from store.catalog.models import Product
from store.extensions import db

#: statements built once at import (building one costs more than running it on SQLite); the
#: values they vary on are bound parameters
_ACTIVE_PRODUCTS = (
    sa.select(Product).where(Product.active.is_(True)).order_by(Product.position, Product.id)
)


def active_products_query():
    """Products on sale, in shop order."""
    return _ACTIVE_PRODUCTS


def active_products(limit: int | None = None) -> list[Product]:
    """The first `limit` products on sale (all of them without a limit), in shop order."""
    return list(db.session.scalars(active_products_query().limit(limit)))


def all_products() -> list[Product]:
    """Every product, archived ones too, in shop order."""
    return list(db.session.scalars(sa.select(Product).order_by(Product.position, Product.id)))


_ACTIVE_PRODUCT = sa.select(Product).where(
    Product.slug == sa.bindparam("slug"), Product.active.is_(True)
)


def get_active_product(slug: str) -> Product | None:
    """The product on sale with this slug, or None."""
    return db.session.scalar(_ACTIVE_PRODUCT, {"slug": slug})


def headline_offer(products: list[Product]) -> Product | None:
    """The offer the site promotes in its banner: the first product with a sales headline."""
    return next((product for product in products if product.headline), None)


_FIRST_AND_FEATURED = _ACTIVE_PRODUCTS.where(
    sa.or_(
        Product.featured,
        Product.id.in_(
            _ACTIVE_PRODUCTS.with_only_columns(Product.id).limit(sa.bindparam("first_count"))
        ),
    )
)


def front_page_offers(limit: int) -> tuple[list[Product], Product | None]:
    """The first `limit` products on sale, and the home page banner's offer: the featured
    product while it is on sale, else the first of them with a sales headline. One query: the
    featured product comes with the others when it is not among them."""
    found = list(db.session.scalars(_FIRST_AND_FEATURED, {"first_count": limit}))
    # The featured product, when not among the first, sorts after all of them.
    products = found[:limit]
    featured = next((product for product in found if product.featured), None)
    return products, featured or headline_offer(products)


def next_position() -> int:
    """The position that puts a new product after every other one in the shop."""
    return (db.session.scalar(sa.select(sa.func.max(Product.position))) or 0) + 1


def feature(product: Product) -> None:
    """Make `product` the banner's offer; the one featured until now no longer is."""
    db.session.execute(
        sa.update(Product)
        .where(Product.featured.is_(True), Product.id != (product.id or 0))
        .values(featured=False)
        .execution_options(synchronize_session="fetch")
    )
    product.featured = True


def search_products(q: str, status: str):
    """The back office's product list: matching the name or slug, on sale or archived
    ("all" for both), in shop order; a query to paginate."""
    query = sa.select(Product).order_by(Product.position, Product.id)
    if q:
        # autoescape: a typed % or _ is searched for, not used as a wildcard
        query = query.where(
            sa.or_(
                Product.name.icontains(q, autoescape=True),
                Product.slug.icontains(q, autoescape=True),
            )
        )
    if status == "active":
        query = query.where(Product.active.is_(True))
    elif status == "archived":
        query = query.where(Product.active.is_(False))
    return query
