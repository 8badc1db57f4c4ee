"""Order lifecycle: placing an order from the cart and moving it between statuses."""

import hashlib
import logging
import re
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from store.accounts.models import User, normalise_email
from store.database import contains_text, utcnow
from store.extensions import db
from store.orders.models import ORDER_TRANSITIONS, Order, OrderLine, OrderMode, OrderStatus
from store.pagination import UncountedPage, paginate_uncounted

logger = logging.getLogger(__name__)

#: what the back office's search takes for a whole address or a whole order number: looked up
#: exactly, through an index; anything else is searched as a part of one
WHOLE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WHOLE_NUMBER = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{8}$")

_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class OrderTransitionError(ValueError):
    """A status change the order lifecycle does not allow."""


def new_order_number() -> str:
    return "GA-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))


def cart_fingerprint(cart) -> str:
    """A short digest of what the cart holds and at which prices."""
    content = ";".join(
        f"{line.product.id}:{line.quantity}:{line.product.price_cents}:{line.product.currency}"
        for line in sorted(cart.lines, key=lambda line: line.product.id)
    )
    return hashlib.sha256(content.encode()).hexdigest()[:24]


def mark_order(order: Order, status: OrderStatus) -> None:
    """Move an order to `status`, refusing moves the lifecycle does not allow."""
    if status is order.status:
        return
    if status not in ORDER_TRANSITIONS[order.status]:
        raise OrderTransitionError(f"order {order.number}: {order.status} → {status}")
    order.status = status
    if status is not OrderStatus.PENDING_PAYMENT:
        order.pending_key = None
    if status is OrderStatus.PAID:
        order.paid_at = utcnow()
    db.session.flush()
    logger.info("order %s is now %s", order.number, status)


def pending_order_for(user: User, cart) -> Order | None:
    """The order already waiting for payment of exactly this cart, if any."""
    key = f"{user.id}:{cart_fingerprint(cart)}"
    return db.session.scalar(sa.select(Order).where(Order.pending_key == key))


def place_order(user: User, cart) -> Order:
    """Create an order waiting for payment from the cart, or return the one already waiting.

    Lines snapshot each product's title, price, currency and interval.
    """
    existing = pending_order_for(user, cart)
    if existing is not None:
        return existing
    # Earlier unpaid attempts with another cart are abandoned: the customer changed their mind.
    for stale in db.session.scalars(
        sa.select(Order).where(
            Order.user_id == user.id, Order.status == OrderStatus.PENDING_PAYMENT
        )
    ):
        mark_order(stale, OrderStatus.ABANDONED)
    order = Order(
        number=new_order_number(),
        user_id=user.id,
        email=user.email,
        status=OrderStatus.PENDING_PAYMENT,
        currency=cart.currency,
        total_cents=cart.total_cents,
        mode=OrderMode.SUBSCRIPTION if cart.interval else OrderMode.PAYMENT,
        pending_key=f"{user.id}:{cart_fingerprint(cart)}",
        lines=[
            OrderLine(
                product_id=line.product.id,
                title=line.product.name,
                unit_price_cents=line.product.price_cents,
                currency=line.product.currency,
                interval=line.product.interval,
                quantity=line.quantity,
            )
            for line in cart.lines
        ],
    )
    db.session.add(order)
    db.session.flush()
    logger.info("order %s placed by user %s (%s)", order.number, user.id, order.mode)
    return order


#: a customer's orders, newest first, each with its lines and their products
_ORDERS_OF = (
    sa.select(Order)
    .options(selectinload(Order.lines).selectinload(OrderLine.product))
    .where(Order.user_id == sa.bindparam("user_id"))
    .order_by(Order.created_at.desc(), Order.id.desc())
)


def orders_page(user: User, page: int = 1, per_page: int = 10) -> UncountedPage:
    """A page of a customer's orders, newest first: three statements, whatever the number of
    orders (the page, then the lines and products of its orders)."""
    return paginate_uncounted(
        _ORDERS_OF,
        page=page,
        per_page=per_page,
        error_out=False,
        params={"user_id": user.id},
        bounded=False,
    )


def order_for(user: User, number: str) -> Order | None:
    """One of the customer's own orders by number; None for anybody else's."""
    return db.session.scalar(
        sa.select(Order).where(Order.number == number, Order.user_id == user.id)
    )


def search_orders(q: str, status: str, customer: int | None = None):
    """The back office's order list: email or number matching `q`, in one status (any when
    `status` names none), newest first; a query to paginate."""
    query = sa.select(Order).order_by(Order.created_at.desc(), Order.id.desc())
    if customer is not None:
        query = query.where(Order.user_id == customer)  # a customer's, whatever their address
    if WHOLE_EMAIL.match(q):
        query = query.where(Order.email == normalise_email(q))  # through its index
    elif WHOLE_NUMBER.match(q):
        # the unique index, or an address part shaped like a number ("jo-martin12")
        query = query.where(sa.or_(Order.number == q.upper(), contains_text(Order.email, q)))
    elif q:
        # part of an address or of a number (pg_trgm's indexes on PostgreSQL)
        query = query.where(sa.or_(contains_text(Order.email, q), contains_text(Order.number, q)))
    if status in {s.value for s in OrderStatus}:
        query = query.where(Order.status == OrderStatus(status))
    return query
