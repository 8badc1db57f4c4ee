"""Cart pages and the POST endpoints that change the cart."""

from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from store.access.services import holding
from store.cart import services
from store.cart.forms import AddToCartForm, ClearCartForm, RemoveFromCartForm, UpdateCartForm
from store.catalog.models import Product
from store.checkout.forms import CheckoutForm
from store.extensions import db
from store.money import vat_included
from store.settings.services import vat_rate
from store.urls import safe_next, valid_id

bp = Blueprint("cart", __name__, url_prefix="/cart")


def _back(form) -> str:
    return safe_next(form.next.data or request.args.get("next"), url_for("cart.view"))


def _flash_errors(form) -> None:
    """Flash the first problem of each field, named by the field's label."""
    for name, field_errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        flash(f"{label} : {field_errors[0]}", "error")


def _product_or_404(product_id: int) -> Product:
    product = db.session.get(Product, product_id) if valid_id(product_id) else None
    if product is None:
        abort(404, description="This product does not exist.")
    return product


def _apply(form, change) -> object:
    """Validate `form`, apply `change(cart, product)`, flash the outcome and redirect back."""
    if not form.validate():
        _flash_errors(form)
        return redirect(_back(form), code=303)
    product = _product_or_404(form.product_id.data)
    try:
        flash(change(services.current_cart(), product), "success")
    except services.CartError as error:
        flash(str(error), "error")
    return redirect(_back(form), code=303)


@bp.get("")
def view():
    """The full cart page: lines, quantities, totals."""
    # Loaded here, not only by the layout: a database failure is a 503, not an empty cart.
    # Only to draw the boxes: the template writes the token, so the form makes none (an empty
    # cart sets no cookie).
    checkout_form = CheckoutForm(formdata=None, meta={"csrf": False})
    cart = services.current_cart()
    # An empty cart shows no total: no setting to read (the page costs no statement).
    rate = vat_rate() if not cart.is_empty else Decimal(0)
    return render_template(
        "cart/view.html",
        cart=cart,
        checkout_form=checkout_form,
        vat_rate=rate,
        vat_cents=vat_included(cart.due_today_cents, rate),
    )


@bp.post("/add")
def add():
    """Add a product to the cart."""
    form = AddToCartForm()
    max_quantity = current_app.config["CART_MAX_QUANTITY"]

    def add_unless_held(cart, product) -> str:
        refuse_held(product)
        return services.add_to_cart(session, cart, product, form.quantity.data, max_quantity)

    return _apply(form, add_unless_held)


def refuse_held(product: Product) -> None:
    """A subscriber is never sold the offer they hold, in any of its plans (a second
    subscription would bill them twice)."""
    held = holding(current_user, product)
    if held is not None:
        raise services.CartError(
            _(
                "You already subscribe to “%(name)s”: nothing more to buy. Manage it, or "
                "switch plans, from your account.",
                name=held.product.name if held.product else product.name,
            )
        )


@bp.post("/update")
def update():
    """Change a line's quantity; 0 removes the line."""
    form = UpdateCartForm()
    max_quantity = current_app.config["CART_MAX_QUANTITY"]
    return _apply(
        form,
        lambda cart, product: services.update_quantity(
            session, cart, product, form.quantity.data, max_quantity
        ),
    )


@bp.post("/remove")
def remove():
    """Remove a product from the cart."""
    form = RemoveFromCartForm()
    return _apply(form, lambda cart, product: services.remove_from_cart(session, cart, product))


@bp.post("/clear")
def clear():
    """Empty the cart."""
    form = ClearCartForm()
    if form.validate():
        flash(services.clear_cart(session), "success")
    return redirect(_back(form), code=303)
