"""The shop: every product on sale, and one product's page."""

from flask import Blueprint, abort, current_app, render_template, request

from store.catalog import services
from store.pagination import paginate_counted
from store.seo.services import product_json_ld
from store.urls import page_number

bp = Blueprint("catalog", __name__, url_prefix="/shop")

PRODUCTS_PER_PAGE = 24


@bp.get("")
def index():
    """List every active product with its price and an add-to-cart button."""
    page = paginate_counted(
        services.active_products_query(),
        page=page_number(request.args.get("page")),
        per_page=PRODUCTS_PER_PAGE,
    )
    return render_template("catalog/index.html", page=page)


@bp.get("/<slug>")
def detail(slug: str):
    """One product's page."""
    product = services.get_active_product(slug)
    if product is None:
        abort(404, description="This product is not on sale.")
    return render_template(
        "catalog/detail.html",
        product=product,
        json_ld=product_json_ld(product, current_app.config["SITE_NAME"]),
    )
