"""The sitemap in parts, as the protocol asks of a site with many pages.

`/sitemap.xml` is a sitemap index: it names `/sitemap-pages.xml` (front page, shop, categories,
products) and `/sitemap-articles-<n>.xml`, part n holding the published articles whose id
falls in ((n - 1) × ARTICLES_PER_SITEMAP, n × ARTICLES_PER_SITEMAP]. A part is chosen by a
primary-key range (no OFFSET, no count of the whole table), lists each article in both
languages with its alternates and `<lastmod>`, and is written out as it goes. With 2,000
articles a part holds 4,000 URLs, weighs about 2 MB (4.6 MB if every slug had the 200
characters a slug may have) and is written in about 20 ms at 100,000 articles
(bench/scale): the protocol's limits are 50,000 URLs and 50 MB a file, and no answer of the
store is larger than 10 MB.
"""

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from urllib.parse import quote

import sqlalchemy as sa
from flask import url_for
from markupsafe import escape

from store.articles.models import Article
from store.articles.services import is_published
from store.extensions import db
from store.i18n import LANGUAGES

ARTICLES_PER_SITEMAP = 2_000
#: products listed in the pages part (a shop has a few; the protocol's limit is far above)
MAX_PRODUCTS = 20_000
#: entries written out at a time
_BATCH = 250
_SLUG = "__slug__"


def article_parts() -> int:
    """How many article parts the index names (from the highest id: one index lookup)."""
    highest = db.session.scalar(sa.select(sa.func.max(Article.id))) or 0
    return max(1, -(-highest // ARTICLES_PER_SITEMAP))


def articles_of_part(part: int) -> list[tuple[str, str]]:
    """(slug, lastmod) of the published articles of part `part`, by id; lastmod is the day
    of the later of publication and last edit."""
    first = (part - 1) * ARTICLES_PER_SITEMAP + 1
    rows = db.session.execute(
        sa.select(Article.slug, Article.published_at, Article.updated_at)
        .where(Article.id.between(first, first + ARTICLES_PER_SITEMAP - 1), is_published())
        .order_by(Article.id)
    )
    return [(slug, _lastmod(published_at, updated_at)) for slug, published_at, updated_at in rows]


def etag(part: int, rows: Sequence[tuple[str, str]]) -> str:
    """Changes whenever the part's list or a `<lastmod>` changes (an article added, removed,
    renamed, or edited on another day)."""
    listed = "\n".join(f"{slug} {lastmod}" for slug, lastmod in rows)
    return hashlib.sha256(f"{part}\n{listed}".encode()).hexdigest()[:32]


def _lastmod(published_at: datetime | None, updated_at: datetime) -> str:
    # published_at is set: only published articles are listed
    return max(published_at or updated_at, updated_at).date().isoformat()


def url_templates() -> dict[str, str]:
    """An article's URL in each language, with a placeholder for its slug: built once per
    part, not once per article (forty thousand url_for calls a part otherwise)."""
    return {
        locale: url_for("articles.detail", slug=_SLUG, _external=True, _locale=locale)
        for locale in LANGUAGES
    }


def urlset(rows: Sequence[tuple[str, str]], templates: dict[str, str]) -> Iterator[str]:
    """The XML of a part, a batch of entries at a time; needs no request (it is written out
    after the view returned)."""
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset'
        ' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:xhtml="http://www.w3.org/1999/xhtml">'
    )
    batch: list[str] = []
    for slug, lastmod in rows:
        quoted = quote(slug)
        urls = {
            locale: str(escape(template.replace(_SLUG, quoted)))
            for locale, template in templates.items()
        }
        alternates = (
            "".join(
                f'\n    <xhtml:link rel="alternate" hreflang="{locale}" href="{url}"/>'
                for locale, url in urls.items()
            )
            + f'\n    <xhtml:link rel="alternate" hreflang="x-default" href="{urls["fr"]}"/>'
        )
        for url in urls.values():
            batch.append(
                f"\n  <url><loc>{url}</loc><lastmod>{lastmod}</lastmod>{alternates}\n  </url>"
            )
        if len(batch) >= _BATCH:
            yield "".join(batch)
            batch = []
    yield "".join(batch) + "\n</urlset>\n"
