"""The shop: every product on sale, and one product's page."""

from flask import Blueprint, abort, render_template

from store.catalog import services

bp = Blueprint("catalog", __name__, url_prefix="/shop")


@bp.get("")
def index():
    """List every active product with its price and an add-to-cart button."""
    return render_template("catalog/index.html", products=services.active_products())


@bp.get("/<slug>")
def detail(slug: str):
    """One product's page."""
    product = services.get_active_product(slug)
    if product is None:
        abort(404, description="This product is not on sale.")
    return render_template("catalog/detail.html", product=product)
