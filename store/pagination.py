"""Pages of a list in one query: counted with the rows they show, or not counted at all."""

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from flask import abort

from store.extensions import db


@dataclass
class CountedPage:
    """A page of a list with the list's total, as the `pager` macro shows it ("page n of m")."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    #: the list was counted up to `total` and goes on: "more than `total`", pages unknown
    capped: bool = False

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def count_up_to(query, limit: int, params: dict | None = None, *, keep_order: bool = False) -> int:
    """How many rows `query` selects, counting no further than `limit` + 1: a list of 78,000
    rows is "more than `limit`" after reading `limit` + 1 of them, not all of them.
    `keep_order`: count in the query's order, so that the database may walk the index of that
    order and stop at `limit` + 1 (rather than gather every match first)."""
    ordered = query if keep_order else query.order_by(None)
    bounded = (
        ordered.with_only_columns(sa.literal(1), maintain_column_froms=True)
        .limit(limit + 1)
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(bounded), params) or 0


#: {a list's query: the same with its total and a page's bounds as parameters}: a query built
#: once (a module's constant) is paged without being rebuilt on each request
_PAGED: WeakKeyDictionary = WeakKeyDictionary()


def _paged(query, counted: bool):
    paged = _PAGED.get(query)
    if paged is None:
        paged = _PAGED[query] = {}
    statement = paged.get(counted)
    if statement is None:
        statement = paged[counted] = (
            (query.add_columns(sa.func.count().over()) if counted else query)
            .limit(sa.bindparam("page_limit"))
            .offset(sa.bindparam("page_offset"))
        )
    return statement


def paginate_counted(query, *, page: int, per_page: int, params: dict | None = None) -> CountedPage:
    """Page `page` of the rows `query` selects, with their total, in one query: the total comes
    with each row (a window COUNT) rather than from a second COUNT query. Only a page past the
    end, which has no row to carry it, counts separately. `params`: the query's bound values."""
    bounds = {"page_limit": per_page, "page_offset": (page - 1) * per_page}
    rows = db.session.execute(_paged(query, counted=True), {**(params or {}), **bounds}).all()
    if rows:
        total = rows[0][-1]
    elif page == 1:
        total = 0
    else:
        counted = query.order_by(None).subquery()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(counted), params) or 0
    return CountedPage([row[0] for row in rows], page, per_page, total)


@dataclass
class UncountedPage:
    """A page of a list read page by page (the news): it knows whether another page follows
    from one row more than it shows, without counting the whole list on every view. The
    `pager` macro shows its previous/next links and "page n" without "of m"."""

    items: list[Any]
    page: int
    has_next: bool
    #: unknown: not counted
    total = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


#: the deepest page of a list read page by page (the news, a category): reaching page n
#: skips (n - 1) × per page rows, so a reader goes back 2,000 articles, and crawlers find
#: every article in the sitemap (store/seo/sitemaps.py)
MAX_LIST_PAGE = 200


def paginate_uncounted(
    query,
    *,
    page: int,
    per_page: int,
    error_out: bool,
    params: dict | None = None,
    bounded: bool = True,
) -> UncountedPage:
    """Page `page` of the rows `query` selects, up to MAX_LIST_PAGE when `bounded` (not a
    customer's own lists, as long as what they bought); a page past the end (or past the
    bound) is a 404 with `error_out`, empty without. `params`: the query's bound values."""
    max_page = MAX_LIST_PAGE if bounded else None
    if max_page is not None and page > max_page:
        if error_out:
            abort(404)
        return UncountedPage([], page, has_next=False)
    bounds = {"page_limit": per_page + 1, "page_offset": (page - 1) * per_page}
    rows = list(db.session.scalars(_paged(query, counted=False), {**(params or {}), **bounds}))
    if error_out and page > 1 and not rows:
        abort(404)
    more = len(rows) > per_page and (max_page is None or page < max_page)
    return UncountedPage(rows[:per_page], page, has_next=more)
