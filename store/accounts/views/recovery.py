"""Forgotten password: the mailed link, valid an hour and usable once."""

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

from store.accounts import services
from store.accounts.forms import (
    PasswordForgotForm,
    PasswordResetForm,
)
from store.accounts.models import normalise_email
from store.accounts.views.blueprint import bp, link_invalid, start_session
from store.database import utcnow
from store.extensions import db, limiter

logger = logging.getLogger(__name__)


def _reset_email_key() -> str:
    return "password-reset-email:" + normalise_email(request.form.get("email", ""))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_EMAIL"],
    methods=["POST"],
    key_func=_reset_email_key,
)
def forgot_password():
    """Ask for a password-reset link; the answer never says whether the address has an
    account."""
    form = PasswordForgotForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If an account uses %(email)s, a link to choose a new password is on its way "
                "there. It works for one hour.",
                email=normalise_email(form.email.data),
            ),
            "info",
        )
        return redirect(url_for("accounts.forgot_password"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a mailed link (1 hour, once); it logs the customer in."""
    user = services.user_for_reset_token(token)
    if user is None:
        page, status = link_invalid(url_for("accounts.forgot_password"))
    else:
        form = PasswordResetForm()
        if form.validate_on_submit():
            services.set_new_password(user, form.password.data)
            if user.email_confirmed_at is None:  # the link reached them: the address is theirs
                user.email_confirmed_at = utcnow()
            db.session.commit()
            start_session(user)
            logger.info("user %s reset their password", user.id)
            flash(_("Your new password is set. You are logged in."), "success")
            return redirect(url_for("accounts.index"), code=303)
        page = render_template("accounts/reset.html", form=form, token=token)
        status = 400 if request.method == "POST" else 200
    return page, status
