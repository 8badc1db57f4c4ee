"""Searching the published articles with the database's full-text search.

One entry point, `search_articles`, picks the implementation by the database dialect: FTS5 on
SQLite, tsvector/tsquery on PostgreSQL (see `store.search.schema`). Results are ordered by
relevance, then newest first. The database marks the matched words with two sentinel characters;
`marked_html` escapes everything else and only then turns the sentinels into <mark> tags, so
article text can never inject HTML.

Subscriber-only articles match on their title and excerpt only, and their snippet is always
taken from the excerpt: no word of a paid body reaches the results page.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from store.articles.models import Article
from store.articles.services import is_published
from store.extensions import db
from store.pagination import CountedPage, count_up_to
from store.search import schema

#: results per page
PER_PAGE = 10
#: the most results counted, ranked by relevance and paged through: past it, "more than
#: 1,000 results", newest first (counting and ranking 78,000 matches read every one of them)
MAX_RESULTS = 1_000
#: the longest query read (a longer one is cut)
MAX_QUERY_LENGTH = 200
#: the most distinct terms (words or phrases) a query keeps, on both databases: the cost of
#: matching and highlighting grows with each (bench/search)
MAX_TERMS = 8
#: the characters of an article body its snippet is looked for in (PostgreSQL's ts_headline
#: reads the whole text it is given, for every term): a match further on shows the excerpt
HEADLINE_CHARS = 20_000

#: the database wraps each matched word in these (never HTML: they are escaped first)
START, STOP = "\x02", "\x03"
_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
_SENTINELS = re.compile(f"[{START}{STOP}]")
# Control characters (a NUL byte is refused by PostgreSQL); tabs and newlines become spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A word as the unicode61 tokenizer sees it: letters and digits (the underscore separates).
_WORD = re.compile(r"[^\W_]+")
# websearch syntax: an optional "-", then a "quoted phrase" (the quote may stay open) or a word.
_TERM = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
# Markdown that would show up as punctuation in a snippet.
_MARKDOWN = re.compile(r"\]\([^)\s]*\)?|!?\[|\*\*|__|`+|(?:^|(?<=\s))#{1,6}(?=\s)|^>\s?")

#: words around a match in a body snippet
SNIPPET_TOKENS = 30


@dataclass
class SearchResult:
    """One matching article with its title and snippet, matched words marked."""

    article: Article
    title: Markup
    snippet: Markup


@dataclass(kw_only=True)
class SearchPage(CountedPage):
    """A page of results and where it stands among them (the pager's page, with the query)."""

    query: str


class PageOutOfRange(Exception):
    """The page asked for is past the last page of results."""


def clean_query(text: str | None) -> str:
    """The query as it will be searched: no control characters, trimmed and bounded."""
    text = _CONTROL.sub(" ", text or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def bounded_query(text: str) -> str:
    """The query as searched: each word or "quoted phrase" once (case aside), at most
    MAX_TERMS of them, written so that no character typed is search syntax (every term
    quoted); `-term` and `or` keep their meaning. A visitor's 200 characters of the same word
    repeated cost one term, not a hundred."""
    parts: list[str] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()  # in the current alternative
    kept = 0
    for match in _TERM.finditer(text):
        negated, phrase, word = match.groups()
        if phrase is None and not negated and word.lower() == "or":
            if parts and parts[-1] != "or":
                parts.append("or")
                seen = set()  # `cat or cat dog`: the second cat belongs to another alternative
            continue
        words = _WORD.findall(phrase if phrase is not None else word)
        key = (negated, tuple(w.casefold() for w in words))
        if not words or key in seen:
            continue
        if kept >= MAX_TERMS:
            break
        seen.add(key)
        kept += 1
        parts.append(f'{negated}"{" ".join(words)}"')
    while parts and parts[-1] == "or":
        parts.pop()
    return " ".join(parts)


def fts5_query(text: str) -> str | None:
    """An FTS5 expression with the meaning of PostgreSQL's websearch_to_tsquery, or None.

    Each word or "quoted phrase" becomes a quoted FTS5 phrase (so no character of the input
    is ever FTS5 syntax), terms are ANDed, `or` separates alternatives and `-term` excludes.
    """
    alternatives: list[tuple[list[str], list[str]]] = [([], [])]
    terms = 0
    for match in _TERM.finditer(text):
        negated, phrase, word = match.groups()
        if phrase is None and not negated and word.lower() == "or":
            if alternatives[-1][0]:
                alternatives.append(([], []))
            continue
        words = _WORD.findall(phrase if phrase is not None else word)
        if not words or terms >= MAX_TERMS:
            continue
        terms += 1
        alternatives[-1][1 if negated else 0].append('"' + " ".join(words) + '"')
    expressions = []
    for included, excluded in alternatives:
        if not included:  # FTS5 cannot express "every article without this word"
            continue
        expression = "(" + " AND ".join(included) + ")"
        if excluded:
            expression = f"({expression} NOT ({' OR '.join(excluded)}))"
        expressions.append(expression)
    return " OR ".join(expressions) or None


def marked_html(text: str | None, *, markdown: bool = False) -> Markup:
    """Escape a text the database marked, then turn the marked words into <mark> elements."""
    text = text or ""
    if markdown:  # a body snippet: drop the Markdown punctuation, keep the words
        text = _MARKDOWN.sub("", text)
    text = " ".join(text.split())
    html = str(escape(text))
    html = _MARKED.sub(r"<mark>\1</mark>", html)
    html = _SENTINELS.sub("", html)  # an unpaired sentinel (e.g. from the article text)
    # Everything but the <mark> tags added just above was escaped.
    return Markup(html)  # nosec B704


def has_match(text: str | None) -> bool:
    """Whether the database marked a word in this text."""
    return text is not None and START in text


def _snippet(article: Article, excerpt: str | None, body: str | None) -> Markup:
    """The excerpt when it holds a match (or the article is for subscribers), else the body."""
    if article.subscribers_only or has_match(excerpt) or not has_match(body):
        return marked_html(excerpt)
    return marked_html(body, markdown=True)


def _search_sqlite(query: str, page: int) -> tuple[int, Sequence[Sequence[Any]]]:
    expression = fts5_query(query)
    if expression is None:
        return 0, []
    fts = sa.table(schema.FTS_TABLE, sa.column("rowid"))
    table: sa.ColumnElement[str] = sa.literal_column(schema.FTS_TABLE)
    matches = sa.and_(table.op("MATCH")(expression), is_published())
    found = sa.select(Article.id).join(fts, fts.c.rowid == Article.id).where(matches)
    total = count_up_to(found, MAX_RESULTS)
    if not total:
        return 0, []
    _check_page(total, page)
    # bm25: lower is better; the title weighs most, then the excerpt, then the body. Past
    # MAX_RESULTS matches, newest first (ranking them all would read every one).
    rank = sa.func.bm25(table, 10.0, 4.0, 1.0)
    newest = (Article.published_at.desc(), Article.id.desc())
    order = newest if total > MAX_RESULTS else (rank, *newest)
    rows = db.session.execute(
        sa.select(
            Article,
            sa.func.highlight(table, 0, START, STOP),
            sa.func.highlight(table, 1, START, STOP),
            # Evaluated only for articles open to all: a paid body is never read.
            sa.case(
                (
                    Article.subscribers_only.is_(False),
                    sa.func.snippet(table, 2, START, STOP, "… ", SNIPPET_TOKENS),
                ),
                else_=None,
            ),
        )
        .join(fts, fts.c.rowid == Article.id)
        .where(matches)
        .options(selectinload(Article.category))
        .order_by(*order)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return total, rows


def _search_postgresql(query: str, page: int) -> tuple[int, Sequence[Sequence[Any]]]:
    config: sa.ColumnElement[str] = sa.literal_column(f"'{schema.PG_CONFIG}'::regconfig")
    tsquery = sa.func.websearch_to_tsquery(config, query)
    # the stored document (store/search/schema.py): matched through its GIN index, ranked
    # without parsing the article again
    document: sa.ColumnElement[str] = sa.literal_column(f"article.{schema.PG_COLUMN}")
    matches = sa.and_(document.op("@@")(tsquery), is_published())
    newest = (Article.published_at.desc(), Article.id.desc())
    # Counted newest first: a word most articles hold is counted along the publication index,
    # a rare one through the GIN index (the planner chooses by the words' statistics).
    found = sa.select(Article.id).where(matches).order_by(*newest)
    total = count_up_to(found, MAX_RESULTS, keep_order=True)
    if not total:
        return 0, []
    _check_page(total, page)
    if total > MAX_RESULTS:
        # A word most articles hold: newest first, read along the publication index until
        # the page is full, instead of ranking every match.
        rank: sa.ColumnElement[Any] = sa.literal(0.0)
        order: tuple = newest
    else:
        rank = sa.func.ts_rank(document, tsquery)
        order = (rank.desc(), *newest)
    ranked = (
        sa.select(Article.id, rank.label("rank"))
        .where(matches)
        .order_by(*order)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
        .subquery()
    )
    options = f"StartSel={START}, StopSel={STOP}"
    fragment = f'{options}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'
    rows = db.session.execute(
        sa.select(
            Article,
            sa.func.ts_headline(config, Article.title, tsquery, f"{options}, HighlightAll=true"),
            sa.func.ts_headline(config, Article.excerpt, tsquery, f"{options}, HighlightAll=true"),
            # Headlines are computed for this page only, and never over a paid body.
            sa.case(
                (
                    Article.subscribers_only.is_(False),
                    sa.func.ts_headline(
                        config, sa.func.left(Article.body, HEADLINE_CHARS), tsquery, fragment
                    ),
                ),
                else_=None,
            ),
        )
        .join(ranked, ranked.c.id == Article.id)
        .options(selectinload(Article.category))
        .order_by(ranked.c.rank.desc(), *newest)
    ).all()
    return total, [
        (article, title, excerpt, _with_ellipses(body, article.body))
        for article, title, excerpt, body in rows
    ]


def _with_ellipses(headline: str | None, text: str) -> str | None:
    """Mark where ts_headline cut the text, as FTS5's snippet() does."""
    if headline is None:
        return None
    shown = " ".join(_SENTINELS.sub("", headline).split())
    whole = " ".join(text.split())
    if not whole.startswith(shown[:40]):
        headline = "… " + headline
    if not whole.endswith(shown[-40:]):
        headline += "…"
    return headline


def _check_page(total: int, page: int) -> None:
    if page > math.ceil(min(total, MAX_RESULTS) / PER_PAGE):
        raise PageOutOfRange(page)


_BACKENDS = {"sqlite": _search_sqlite, "postgresql": _search_postgresql}


def search_articles(text: str | None, page: int = 1) -> SearchPage:
    """A page of the published articles matching the query, most relevant first."""
    query = clean_query(text)
    page = max(page, 1)
    if not query:
        return SearchPage(query="", items=[], total=0, page=1, per_page=PER_PAGE)
    backend = _BACKENDS.get(db.engine.dialect.name)
    if backend is None:
        raise RuntimeError(f"search supports SQLite and PostgreSQL, not {db.engine.dialect.name}")
    terms = bounded_query(query)
    if not terms:
        return SearchPage(query=query, items=[], total=0, page=1, per_page=PER_PAGE)
    counted, rows = backend(terms, page)
    items = [
        SearchResult(
            article=article,
            title=marked_html(title) if has_match(title) else marked_html(article.title),
            snippet=_snippet(article, excerpt, body),
        )
        for article, title, excerpt, body in rows
    ]
    return SearchPage(
        query=query,
        items=items,
        total=min(counted, MAX_RESULTS),
        capped=counted > MAX_RESULTS,
        page=page,
        per_page=PER_PAGE,
    )
