"""Cart rules: what may go in the cart, and the cart as read back from the database.

The session holds only `{product_id: quantity}`; names and prices always come from the
database, so a price change or an archived product is reflected at once.
"""

import logging
from collections.abc import MutableMapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, g
from flask import session as visitor_session
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from store.catalog.models import Interval, Product
from store.extensions import db
from store.subscriptions.services import longest_trial, trial_offered

logger = logging.getLogger(__name__)

SESSION_KEY = "cart"


class CartError(ValueError):
    """A cart change that the rules refuse; the message is shown to the visitor."""


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def total_cents(self) -> int:
        return self.product.price_cents * self.quantity


@dataclass
class Cart:
    lines: list[CartLine] = field(default_factory=list)
    #: messages about products dropped since they were added (archived or deleted)
    notices: list[str] = field(default_factory=list)
    #: free days before the subscription lines are first charged (None: no trial for this
    #: visitor; see store.subscriptions.services.trial_days_for)
    trial_days: int | None = None

    @property
    def count(self) -> int:
        """Number of items, as shown on the header badge."""
        return sum(line.quantity for line in self.lines)

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)

    @property
    def due_today_cents(self) -> int:
        """What checkout charges today: every line, subscriptions for their first period
        unless it is a free trial."""
        if self.trial_days:
            return self.total_cents - self.recurring_cents
        return self.total_cents

    @property
    def recurring_cents(self) -> int:
        """What renews each `interval` after today: the subscription lines (one-time lines are
        charged once)."""
        return sum(line.total_cents for line in self.lines if line.product.is_subscription)

    @property
    def currency(self) -> str:
        return self.lines[0].product.currency if self.lines else "EUR"

    @property
    def interval(self) -> Interval | None:
        """How often the subscriptions in the cart renew (one period per cart), if any."""
        return next((line.product.interval for line in self.lines if line.product.interval), None)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def __contains__(self, product: Product) -> bool:
        return any(line.product.id == product.id for line in self.lines)


def read_items(session: MutableMapping) -> dict[int, int]:
    """The cart's `{product_id: quantity}` from the session, ignoring anything malformed."""
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, dict):
        return {}
    items: dict[int, int] = {}
    for key, value in raw.items():
        try:
            product_id, quantity = int(key), int(value)
        except (TypeError, ValueError):
            continue
        if product_id > 0 and quantity > 0:
            items[product_id] = quantity
    return items


def write_items(session: MutableMapping, items: dict[int, int]) -> None:
    """Store the cart back in the session (JSON keys are strings); an empty cart is no key at
    all, so that a session holding nothing else ends with its cookie."""
    if not items:
        session.pop(SESSION_KEY, None)
        return
    session[SESSION_KEY] = {str(product_id): quantity for product_id, quantity in items.items()}


_PRODUCTS_BY_ID = sa.select(Product).where(Product.id.in_(sa.bindparam("ids", expanding=True)))


def load_cart(session: MutableMapping, max_quantity: int) -> Cart:
    """Read the cart with its products, dropping (with a notice) what can no longer be sold."""
    items = read_items(session)
    cart = Cart()
    if not items:
        return cart
    products = {
        product.id: product for product in db.session.scalars(_PRODUCTS_BY_ID, {"ids": list(items)})
    }
    kept: dict[int, int] = {}
    for product_id, quantity in items.items():
        product = products.get(product_id)
        if product is None:
            cart.notices.append(_("A product that no longer exists was removed from your cart."))
            continue
        if not product.active:
            cart.notices.append(
                _(
                    "“%(name)s” is no longer available and was removed from your cart.",
                    name=product.name,
                )
            )
            continue
        quantity = 1 if product.bought_once else min(quantity, max_quantity)
        kept[product_id] = quantity
        cart.lines.append(CartLine(product, quantity))
    cart.lines.sort(key=lambda line: (line.product.position, line.product.id))
    _drop_conflicting_lines(cart, kept)
    if kept != items:
        write_items(session, kept)
    return cart


def current_cart() -> Cart:
    """The visitor's cart, loaded once per request."""
    if "cart" not in g:
        g.cart = load_cart(visitor_session, current_app.config["CART_MAX_QUANTITY"])
        # eligibility asked once per request, shared with the prices the page shows
        days = longest_trial(line.product for line in g.cart.lines)
        g.cart.trial_days = days if days and trial_offered() else None
    return g.cart


def cart_for_layout() -> Cart:
    """The cart every page's header shows: empty (and logged) when the database cannot give
    it, so that the error page saying the database failed still renders."""
    try:
        cart = current_cart()
        for line in cart.lines:
            # An error page's rollback expired what the view loaded: read it back here,
            # where a dead database can be answered, not halfway through the template.
            if sa.inspect(line.product).expired:
                db.session.refresh(line.product)
    except SQLAlchemyError as error:
        logger.error("cart not shown, the database failed: %s", error.__class__.__name__)
        return Cart()
    return cart


def _drop_conflicting_lines(cart: Cart, kept: dict[int, int]) -> None:
    """Products edited since they were added may no longer go together (another currency,
    monthly next to yearly): keep the first line, drop the others with a notice."""
    fitting = Cart()
    for line in cart.lines:
        try:
            _check_fits(fitting, line.product)
        except CartError:
            kept.pop(line.product.id, None)
            cart.notices.append(
                _(
                    "“%(name)s” was removed from your cart: it can no longer be bought together "
                    "with the rest of it.",
                    name=line.product.name,
                )
            )
            continue
        fitting.lines.append(line)
    cart.lines = fitting.lines


def _check_fits(cart: Cart, product: Product) -> None:
    """Refuse a product that cannot share the cart with what is already there."""
    if not product.active:
        raise CartError(_("“%(name)s” is not available any more.", name=product.name))
    if cart.lines and product.currency != cart.currency:
        raise CartError(_("Products priced in different currencies cannot be bought together."))
    interval = cart.interval
    if product.interval and interval and product.interval != interval:
        raise CartError(
            _(
                "Monthly and yearly plans cannot be in the same cart, because Stripe bills one "
                "interval per subscription. Check out or remove “%(name)s” first.",
                name=next(line.product.name for line in cart.lines if line.product.interval),
            )
        )


def add_to_cart(
    session: MutableMapping, cart: Cart, product: Product, quantity: int, max_quantity: int
) -> str:
    """Add a product to the cart and return the message that tells what happened."""
    _check_fits(cart, product)
    items = {line.product.id: line.quantity for line in cart.lines}
    if product.bought_once:
        if product.id in items:
            raise CartError(_("“%(name)s” is already in your cart.", name=product.name))
        items[product.id] = 1
        message = _("“%(name)s” was added to your cart.", name=product.name)
    else:
        wanted = items.get(product.id, 0) + quantity
        items[product.id] = min(wanted, max_quantity)
        if wanted > max_quantity:
            message = _(
                "You can buy at most %(max)d of “%(name)s”; your cart now holds %(max)d.",
                max=max_quantity,
                name=product.name,
            )
        else:
            message = _("“%(name)s” was added to your cart.", name=product.name)
    write_items(session, items)
    logger.info("cart: added product %s (quantity now %s)", product.id, items[product.id])
    return message


def update_quantity(
    session: MutableMapping, cart: Cart, product: Product, quantity: int, max_quantity: int
) -> str:
    """Set a line's quantity (0 removes it) and return the message that tells what happened."""
    if product not in cart:
        raise CartError(_("“%(name)s” is not in your cart.", name=product.name))
    if quantity == 0:
        return remove_from_cart(session, cart, product)
    if product.is_subscription and quantity != 1:
        raise CartError(_("A subscription can only be in your cart once."))
    if product.bought_once and quantity != 1:
        raise CartError(
            _(
                "“%(name)s” is yours alone once bought (its file or key): one is all you need.",
                name=product.name,
            )
        )
    if quantity > max_quantity:
        raise CartError(
            _("You can buy at most %(max)d of “%(name)s”.", max=max_quantity, name=product.name)
        )
    items = {line.product.id: line.quantity for line in cart.lines}
    items[product.id] = quantity
    write_items(session, items)
    return _(
        "Quantity of “%(name)s” updated to %(quantity)d.", name=product.name, quantity=quantity
    )


def remove_from_cart(session: MutableMapping, cart: Cart, product: Product) -> str:
    """Take a product out of the cart."""
    items = {line.product.id: line.quantity for line in cart.lines if line.product.id != product.id}
    write_items(session, items)
    return _("“%(name)s” was removed from your cart.", name=product.name)


def clear_cart(session: MutableMapping) -> str:
    """Empty the cart."""
    session.pop(SESSION_KEY, None)
    return _("Your cart has been emptied.")
