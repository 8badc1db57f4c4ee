"""GET /search: the search results page."""

from flask import Blueprint, abort, render_template, request

from store.search import services
from store.urls import page_number

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    """Published articles matching `q`, most relevant first, ten a page."""
    page = page_number(request.args.get("page"))
    try:
        found = services.search_articles(request.args.get("q", ""), page=page)
    except services.PageOutOfRange:
        abort(404, description="There is no such page of results.")
    return render_template("search/results.html", found=found)
