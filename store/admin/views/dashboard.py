"""The back office's front page."""

from flask import render_template

from store.admin import services
from store.admin.views.blueprint import bp


@bp.get("", strict_slashes=False)  # /admin/ too: what people type
def dashboard():
    """Figures at a glance: subscriptions, revenue, work waiting, configuration."""
    return render_template("admin/dashboard.html", stats=services.dashboard())
