"""Products: the list, the product form (with the file sold), archive, delete, Stripe sync."""

import logging
from typing import Literal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms import SelectChoice

from store.admin import services
from store.admin.forms import ConfirmForm, ProductForm
from store.admin.views.blueprint import bp, confirm, paginated
from store.catalog.models import Product
from store.catalog.services import all_products, search_products
from store.downloads import services as downloads
from store.extensions import db
from store.payments import gateway

logger = logging.getLogger(__name__)


@bp.get("/products")
def products():
    """Products, searchable, filtered by active/archived, paginated."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "all")
    page = paginated(search_products(q, status))
    return render_template("admin/products.html", page=page, q=q, status=status, form=ConfirmForm())


def _save_product_file(form: ProductForm, product: Product) -> str | None | Literal[False]:
    """Keep the uploaded file, if any; False when the product sells a file it does not have.
    Returns the key of a replaced file, to delete once the change is committed."""
    replaced = None
    if form.file.data:
        stored = downloads.store_file(
            form.file.data.stream, form.file.data.filename, product.slug or "download"
        )
        replaced = downloads.attach_file(product, stored)
    if product.grants_download and not product.file_key:
        form.file.errors.append(_("Upload the file this product sells."))
        return False
    return replaced


def _sync(product: Product) -> None:
    """Push the product to Stripe when configured; a failure leaves it saved, and says so."""
    if not gateway.is_configured():
        return
    try:
        services.sync_product_to_stripe(product)
    except gateway.StripeError as error:
        logger.error("product %s: Stripe sync failed: %s", product.id, error)
        flash(
            _(
                "The product is saved, but Stripe could not be updated (%(error)s). Retry with "
                "“Sync with Stripe” on this page or `flask --app app store sync-stripe`.",
                error=error.user_message or error.__class__.__name__,
            ),
            "warning",
        )
    else:
        flash(_("Stripe is up to date."), "info")


def _with_plans(form: ProductForm, product: Product | None) -> ProductForm:
    """The form's offer choices: the subscriptions that are an offer's first plan."""
    firsts = [
        candidate
        for candidate in all_products()
        if candidate.is_subscription
        and candidate.plan_of_id is None
        and (product is None or candidate.id != product.id)
    ]
    form.plan_of_id.choices = [SelectChoice("", _("None: an offer of its own"))] + [
        SelectChoice(str(candidate.id), candidate.name) for candidate in firsts
    ]
    form.plan_products = {candidate.id: candidate for candidate in firsts}
    form.editing = product
    return form


def _product_form_page(form, product, status=200):
    return render_template(
        "admin/product_form.html", form=form, product=product, action_form=ConfirmForm()
    ), status


def _save_product(form: ProductForm, product: Product, done: str):
    """Save a valid product form (file, Stripe sync) and redirect; None to show the form again
    with what to fix (slug taken, a file to sell missing)."""
    if form.slug.data and services.slug_in_use(Product, form.slug.data, exclude_id=product.id):
        form.slug.errors.append(_("Another product already uses this slug."))
        return None
    services.apply_product_form(form, product)
    replaced = _save_product_file(form, product)
    if replaced is False:
        db.session.rollback()
        return None
    db.session.add(product)
    db.session.flush()
    _sync(product)
    db.session.commit()
    downloads.delete_stored(replaced)
    flash(done % {"name": product.name}, "success")
    return redirect(url_for("admin.product_edit", product_id=product.id), code=303)


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    """Create a product."""
    form = _with_plans(ProductForm(), None)
    if form.validate_on_submit():
        saved = _save_product(form, Product(), _("Product “%(name)s” created."))
        if saved is not None:
            return saved
    return _product_form_page(form, None, 400 if request.method == "POST" else 200)


@bp.route("/products/<id:product_id>", methods=["GET", "POST"])
def product_edit(product_id: int):
    """Edit a product."""
    product = db.get_or_404(Product, product_id)
    form = _with_plans(ProductForm(obj=product), product)
    if request.method == "GET":
        form.price.data = services.format_price_input(product.price_cents)
        form.billing.data = product.billing.value
        # already given for life: saved again as it is, the confirmation stands
        form.lifetime_articles.data = product.grants_articles and not product.is_subscription
    if form.validate_on_submit():
        saved = _save_product(form, product, _("Product “%(name)s” saved."))
        if saved is not None:
            return saved
    return _product_form_page(form, product, 400 if request.method == "POST" else 200)


@bp.post("/products/<id:product_id>/archive")
def product_archive(product_id: int):
    """Take a product off sale (it stays on past orders)."""
    product = db.get_or_404(Product, product_id)
    message = _(
        "Archive “%(name)s”? It disappears from the shop and from carts; "
        "orders and subscriptions keep it.",
        name=product.name,
    )
    embedding, titles = services.articles_offering(product)
    if embedding:
        message += " " + ngettext(
            "%(num)d article embeds it as its offer and will show none: %(titles)s.",
            "%(num)d articles embed it as their offer and will show none: %(titles)s.",
            embedding,
            titles=", ".join(f"« {title} »" for title in titles)
            + ("…" if embedding > len(titles) else ""),
        )
    asked = confirm(message, _("Archive"))
    if asked:
        return asked
    product.active = False
    _sync(product)
    db.session.commit()
    flash(_("“%(name)s” is archived.", name=product.name), "success")
    return redirect(url_for("admin.products"), code=303)


@bp.post("/products/<id:product_id>/restore")
def product_restore(product_id: int):
    """Put an archived product back on sale."""
    product = db.get_or_404(Product, product_id)
    product.active = True
    _sync(product)
    db.session.commit()
    flash(_("“%(name)s” is on sale again.", name=product.name), "success")
    return redirect(url_for("admin.products"), code=303)


@bp.post("/products/<id:product_id>/delete")
def product_delete(product_id: int):
    """Delete a product that was never ordered; one with orders can only be archived."""
    product = db.get_or_404(Product, product_id)
    if services.product_has_orders(product):
        flash(
            _("“%(name)s” has orders: archive it instead of deleting it.", name=product.name),
            "error",
        )
        return redirect(url_for("admin.product_edit", product_id=product.id), code=303)
    asked = confirm(_("Delete “%(name)s” for good?", name=product.name), _("Delete"))
    if asked:
        return asked
    file_key = product.file_key
    db.session.delete(product)
    db.session.commit()
    downloads.delete_stored(file_key)  # never ordered: nobody can be owed the file
    flash(_("“%(name)s” is deleted.", name=product.name), "success")
    return redirect(url_for("admin.products"), code=303)


@bp.post("/products/<id:product_id>/sync")
def product_sync(product_id: int):
    """Retry the Stripe sync of one product."""
    product = db.get_or_404(Product, product_id)
    if not gateway.is_configured():
        flash(_("Stripe is not configured (STRIPE_SECRET_KEY)."), "error")
    else:
        _sync(product)
        db.session.commit()
    return redirect(url_for("admin.product_edit", product_id=product.id), code=303)
