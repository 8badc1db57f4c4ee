"""The account's address: confirming it (link mailed at registration) and changing it."""

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
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from store.accounts import services
from store.accounts.forms import (
    ConfirmForm,
    EmailChangeForm,
)
from store.accounts.models import normalise_email
from store.accounts.views.blueprint import bp, link_invalid, password_checked, start_session
from store.extensions import db, limiter
from store.payments.services import sync_customer_email

logger = logging.getLogger(__name__)


#: how each outcome of a confirmation link is flashed
_CONFIRMATION_CATEGORIES = {
    services.EmailConfirmation.CONFIRMED: "success",
    services.EmailConfirmation.ALREADY_CONFIRMED: "info",
    services.EmailConfirmation.EXPIRED: "error",
    services.EmailConfirmation.INVALID: "error",
}


@bp.get("/email/confirm/<token>")
def confirm_email(token: str):
    """Follow the link mailed to confirm the account's address (a GET: a mail can't POST)."""
    outcome = services.confirm_email(token)
    db.session.commit()
    flash(str(outcome.label), _CONFIRMATION_CATEGORIES[outcome])
    target = "accounts.index" if current_user.is_authenticated else "accounts.login"
    return redirect(url_for(target), code=303)


@bp.post("/email/confirm")
@login_required
@limiter.limit(
    lambda: current_app.config["EMAIL_CONFIRM_RESEND_LIMIT"],
    key_func=lambda: f"email-confirm-resend:{current_user.id}",
)
def resend_email_confirmation():
    """Mail the confirmation link again."""
    user = current_user._get_current_object()
    if user.email_confirmed_at is not None:
        flash(_("Your email address is already confirmed."), "info")
    else:
        services.queue_email_confirmation(user, resend=True)
        db.session.commit()
        flash(_("A new confirmation link is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.index"), code=303)


@bp.route("/email", methods=["GET", "POST"])
@password_checked("email-change")
def email():
    """Change the email address: it changes once the link mailed to the new one is followed."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        new_email = normalise_email(form.email.data)
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("Wrong password."))
        elif new_email == current_user.email:
            form.email.errors.append(_("This is already your address."))
        else:
            try:
                services.request_email_change(current_user._get_current_object(), new_email)
            except services.EmailTaken:
                form.email.errors.append(_("Another account uses this email."))
            else:
                db.session.commit()
                flash(
                    _(
                        "We sent a link to %(email)s: your address changes when you follow it "
                        "(within 24 hours). Until then, keep logging in with %(old)s.",
                        email=new_email,
                        old=current_user.email,
                    ),
                    "info",
                )
                return redirect(url_for("accounts.index"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/email.html", form=form), status


@bp.route("/email/change/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """Confirm a new email address from the mailed link (a button: the link alone changes
    nothing, so a mail scanner opening it cannot)."""
    try:
        user, new_email = services.email_change_for_token(token)
    except services.LinkInvalid:
        return link_invalid(
            url_for("accounts.email"),
            _(
                "This link has expired or has already been used. Ask for a new one from your "
                "account."
            ),
        )
    except services.EmailTaken:
        return link_invalid(
            url_for("accounts.email"),
            _("Another account uses this address now: it cannot be yours too."),
        )
    form = ConfirmForm()
    if form.validate_on_submit():
        # Who follows the link in a browser logged in to the account stays logged in there;
        # every other session and remember-me cookie of the account ends.
        stays_logged_in = current_user.is_authenticated and current_user.id == user.id
        try:
            services.change_email(user, new_email)
            db.session.commit()
        except IntegrityError:  # another account took the address this very moment
            db.session.rollback()
            return link_invalid(
                url_for("accounts.email"),
                _("Another account uses this address now: it cannot be yours too."),
            )
        if stays_logged_in:
            start_session(user)
        flash(_("Your email address is now %(email)s.", email=new_email), "success")
        # After the commit: the address is the account's whatever Stripe answers.
        sync_customer_email(user)
        if stays_logged_in:
            return redirect(url_for("accounts.index"), code=303)
        return redirect(url_for("accounts.login"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/email_confirm.html", form=form, new_email=new_email), status
