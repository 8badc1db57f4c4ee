"""The customer's data: export it as JSON, or delete the account."""

import json
import logging

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from store.accounts import privacy
from store.accounts.forms import (
    DeleteAccountForm,
)
from store.accounts.views.blueprint import bp, password_checked
from store.database import utcnow
from store.extensions import db

logger = logging.getLogger(__name__)


@bp.get("/export")
@login_required
def export():
    """Download everything the store keeps about the account, as JSON."""
    data = privacy.export_data(current_user._get_current_object())
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", mimetype="application/json"
    )
    filename = f"account-{utcnow():%Y-%m-%d}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    logger.info("user %s exported their data", current_user.id)
    return response


@bp.route("/delete", methods=["GET", "POST"])
@password_checked("account-delete")
def delete_account():
    """Delete the account, confirmed with the password (orders and payments stay, anonymised)."""
    form = DeleteAccountForm()
    if current_user.is_admin:
        # The back office must keep someone who can reach it.
        form.form_errors.append(_("An administrator account cannot be deleted here."))
    elif form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("Wrong password. Nothing was deleted."))
        else:
            try:
                privacy.delete_account(current_user._get_current_object())
            except privacy.CancellationFailed as error:
                db.session.rollback()
                logger.error("account deletion stopped: Stripe did not cancel %s", error)
                form.current.errors.append(
                    _(
                        "Your subscription could not be cancelled at Stripe right now, so "
                        "nothing was deleted. Please try again in a moment."
                    )
                )
            else:
                db.session.commit()
                logout_user()
                flash(_("Your account is deleted."), "success")
                return redirect(url_for("accounts.deleted"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/delete.html", form=form), status


@bp.get("/deleted")
def deleted():
    """What was erased with the account, and what the law makes the store keep."""
    return render_template("accounts/deleted.html")
