"""Customers: the accounts, one account's purchases, and "log out everywhere"."""

import logging

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from store.accounts.models import User
from store.accounts.services import search_users
from store.admin.views.blueprint import bp, paginated
from store.extensions import db
from store.orders.services import orders_page
from store.subscriptions.services import subscriptions_for

logger = logging.getLogger(__name__)


#: orders and subscriptions shown on a customer's page
CUSTOMER_ROWS = 20


@bp.get("/customers")
def customers():
    """Accounts, newest first, searchable by email."""
    q = request.args.get("q", "").strip()
    return render_template("admin/customers.html", page=paginated(search_users(q)), q=q)


@bp.get("/customers/<id:user_id>")
def customer_detail(user_id: int):
    """One account: its orders and subscriptions, and "log out everywhere"."""
    user = db.get_or_404(User, user_id)
    return render_template(
        "admin/customer_detail.html",
        customer=user,
        # the newest: the orders list, searched by this email, has them all
        orders=orders_page(user, per_page=CUSTOMER_ROWS),
        subscriptions=subscriptions_for(user, limit=CUSTOMER_ROWS),
    )


@bp.post("/customers/<id:user_id>/logout-everywhere")
def customer_logout_everywhere(user_id: int):
    """End every session and remember-me cookie of an account (a stolen cookie, say)."""
    user = db.get_or_404(User, user_id)
    user.end_sessions()
    db.session.commit()
    logger.info("admin %s logged user %s out everywhere", current_user.id, user.id)
    flash(_("%(email)s is logged out on every device.", email=user.email), "success")
    return redirect(url_for("admin.customer_detail", user_id=user.id), code=303)
