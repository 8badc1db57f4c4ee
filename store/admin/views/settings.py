"""The store's settings screen."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from store.admin.forms import SettingsForm
from store.admin.views.blueprint import bp
from store.extensions import db
from store.settings.services import (
    allow_promotion_codes,
    grace_period_days,
    notify_pending_comments,
    set_setting,
)


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Store settings: the grace period of past-due subscribers, the moderation emails,
    promotion codes at checkout."""
    form = SettingsForm()
    if request.method == "GET":
        form.grace_period_days.data = grace_period_days()
        form.notify_pending_comments.data = notify_pending_comments()
        form.allow_promotion_codes.data = allow_promotion_codes()
    if form.validate_on_submit():
        set_setting("grace_period_days", str(form.grace_period_days.data))
        set_setting("notify_pending_comments", "1" if form.notify_pending_comments.data else "0")
        set_setting("allow_promotion_codes", "1" if form.allow_promotion_codes.data else "0")
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("admin.settings"), code=303)
    return render_template("admin/settings.html", form=form), (
        400 if request.method == "POST" else 200
    )
