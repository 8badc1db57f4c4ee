"""Orders: the list and one order's detail (lines, payments, keys, downloads)."""

from flask import current_app, render_template, request

from store.access.keys import keys_of
from store.accounts.models import User
from store.admin.views.blueprint import bp, paginated
from store.downloads.services import downloads_by_product
from store.extensions import db
from store.orders.models import Order, OrderStatus
from store.orders.services import search_orders
from store.payments.services import payments_of_order
from store.subscriptions.services import subscription_of_order
from store.urls import valid_id


@bp.get("/orders")
def orders():
    """Orders: filter by status, search by email or number."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    customer_id = valid_id(request.args.get("customer", ""))
    customer = db.session.get(User, customer_id) if customer_id else None
    return render_template(
        "admin/orders.html",
        page=paginated(search_orders(q, status, customer.id if customer else None)),
        q=q,
        status=status,
        customer=customer,
        statuses=list(OrderStatus),
    )


@bp.get("/orders/<id:order_id>")
def order_detail(order_id: int):
    """One order: lines, payments, Stripe ids."""
    order = db.get_or_404(Order, order_id)
    return render_template(
        "admin/order_detail.html",
        order=order,
        payments=payments_of_order(order),
        subscription=subscription_of_order(order),
        access_keys=keys_of(order_id=order.id),
        downloads_used=downloads_by_product(order.id),
        download_limit=current_app.config["DOWNLOAD_LIMIT"],
    )
