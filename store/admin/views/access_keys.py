"""Revoking a customer's access key, from the order or subscription that issued it."""

import logging

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from store.access import keys
from store.access.models import AccessKey
from store.admin.views.blueprint import bp
from store.extensions import db

logger = logging.getLogger(__name__)


@bp.post("/access-keys/<id:key_id>/revoke")
def access_key_revoke(key_id: int):
    """Revoke a customer's access key: it stops at once (a leaked key, say)."""
    row = db.get_or_404(AccessKey, key_id)
    if row.subscription_id:
        back = url_for("admin.subscription_detail", subscription_id=row.subscription_id)
    elif row.order_id:
        back = url_for("admin.order_detail", order_id=row.order_id)
    else:
        back = url_for("admin.dashboard")
    keys.revoke(row)
    db.session.commit()
    logger.info("admin %s revoked access key %s", current_user.id, row.prefix)
    flash(
        _(
            "Key %(key)s revoked. The customer can get a new one from their account while "
            "the purchase is paid up; cancel the subscription to end access.",
            key=row.masked,
        ),
        "success",
    )
    return redirect(back, code=303)
