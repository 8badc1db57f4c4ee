"""GET /search: the search results page."""

from flask import Blueprint, abort, current_app, render_template, request

from store.extensions import limiter
from store.search import services
from store.urls import page_number

bp = Blueprint("search", __name__)


@bp.get("/search")
# Each search runs the database's full-text machinery: a client asking for many at once
# would keep every worker busy (a page served from the page cache does not count).
@limiter.limit(lambda: current_app.config["SEARCH_LIMIT"])
def results():
    """Published articles matching `q`, most relevant first, ten a page."""
    page = page_number(request.args.get("page"))
    try:
        found = services.search_articles(request.args.get("q", ""), page=page)
    except services.PageOutOfRange:
        abort(404, description="There is no such page of results.")
    return render_template("search/results.html", found=found)
