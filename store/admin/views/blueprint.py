"""The back office's blueprint, its admin guard, and the helpers its screens share."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from store.extensions import db
from store.pagination import CountedPage, count_up_to
from store.urls import page_number, safe_next

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: rows on one page of a back-office list
PER_PAGE = 20
#: the most rows a back-office list counts and pages through (500 pages)
MAX_COUNTED = 10_000


@bp.before_request
def require_admin():
    """Anonymous visitors go to the login page; logged-in non-admins get a 403."""
    if not current_user.is_authenticated:
        return redirect(
            url_for("accounts.login", next=request.script_root + request.full_path.rstrip("?"))
        )
    if not current_user.is_admin:
        abort(403)
    return None


def current_page() -> int:
    """The page of a list asked for in the query string (1 when missing or bad)."""
    return page_number(request.args.get("page"))


def paginated(query) -> CountedPage:
    """The requested page of a list query; past the last page is an empty page, not a 404.

    The list is counted up to MAX_COUNTED rows ("more than 10 000") and paged through that
    far: counting 500,000 orders, or skipping 400,000 of them to reach page 20,000, reads
    every one; a filter or a search reaches the others."""
    page = current_page()
    counted = count_up_to(query, MAX_COUNTED)
    total = min(counted, MAX_COUNTED)
    items: list = []
    if page <= max(1, -(-total // PER_PAGE)):
        items = list(db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return CountedPage(items, page, PER_PAGE, total, capped=counted > MAX_COUNTED)


def confirm(message: str, action_label: str):
    """Ask before a destructive action: the same POST again, with confirmed=yes.
    None once confirmed; otherwise the page that asks."""
    if request.form.get("confirmed") == "yes":
        return None
    fields = [
        (key, value)
        for key, values in request.form.lists()
        for value in values
        if key not in ("csrf_token", "confirmed")
    ]
    return render_template(
        "admin/confirm.html",
        message=message,
        action_label=action_label,
        fields=fields,
        action_url=request.script_root + request.path,
        back_url=safe_next(same_site_referrer(), url_for("admin.dashboard")),
    )


def same_site_referrer() -> str | None:
    """The path of the page the admin came from, when it is on this site."""
    referrer = urlsplit(request.referrer or "")
    return referrer.path if referrer.netloc == request.host else None
