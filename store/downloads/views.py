"""The download of a purchased file, from a signed link on /account."""

import logging

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from store.access.services import order_gives
from store.catalog.models import Product
from store.downloads import services
from store.errors import render_error
from store.extensions import db
from store.orders.models import Order

logger = logging.getLogger(__name__)

bp = Blueprint("downloads", __name__, url_prefix="/downloads")


@bp.get("/<token>")
@login_required
def download(token: str):
    """Send the file if the link is the buyer's own, fresh, within the limit and still paid."""
    try:
        link = services.read_link(token)
    except services.LinkExpired:
        flash(_("That download link has expired. Here is a fresh one."), "info")
        return redirect(url_for("accounts.index", _anchor="orders-title"), code=303)
    if link is None:
        abort(404)
    order_id, product_id, user_id = link
    order = db.session.get(Order, order_id)
    product = db.session.get(Product, product_id)
    # Another customer's link, a deleted product or a file taken down: nothing to see here.
    if (
        user_id != current_user.id
        or order is None
        or order.user_id != current_user.id
        or product is None
        or not product.has_file
        or not services.path_of(product).is_file()
    ):
        abort(404)
    if not order_gives(order, product):
        return render_error(
            403, _("This order no longer gives this file (it was refunded, failed or ended).")
        )
    limit = current_app.config["DOWNLOAD_LIMIT"]
    if request.method == "HEAD":
        # Download managers ask for the size before downloading: that is not a download.
        if services.downloads_used(order.id, product.id) >= limit:
            return _limit_reached(limit)
        return _send(product)
    if not services.take_download(order.id, product.id):
        db.session.rollback()
        return _limit_reached(limit)
    db.session.commit()
    logger.info("order %s: %s downloaded by user %s", order.number, product.slug, user_id)
    return _send(product)


def _limit_reached(limit: int):
    return render_error(
        403,
        _(
            "You have used the %(limit)d downloads of this order. Write to us if you need "
            "another one.",
            limit=limit,
        ),
    )


def _send(product: Product):
    """The file itself, or a header asking the reverse proxy to send it."""
    offload = current_app.config["DOWNLOADS_OFFLOAD"]
    if offload in ("x-accel-redirect", "x-sendfile"):
        response = current_app.response_class(mimetype=product.file_type)
        if offload == "x-accel-redirect":
            prefix = current_app.config["DOWNLOADS_ACCEL_PREFIX"].rstrip("/")
            response.headers["X-Accel-Redirect"] = f"{prefix}/{product.file_key}"
        else:
            response.headers["X-Sendfile"] = str(services.path_of(product).resolve())
        response.headers.set("Content-Disposition", "attachment", filename=product.file_name)
    else:
        response = send_file(
            services.path_of(product),
            mimetype=product.file_type,
            as_attachment=True,
            download_name=product.file_name,
            max_age=0,
        )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
