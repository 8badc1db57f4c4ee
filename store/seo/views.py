"""/feed.xml, /sitemap.xml and /robots.txt."""

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, url_for

from store.articles.models import Category
from store.articles.services import published_articles_query
from store.catalog.services import active_products_query
from store.extensions import db
from store.i18n import PREFIXES
from store.seo import sitemaps

bp = Blueprint("seo", __name__)

FEED_ITEMS = 20


def _xml(template: str, **context):
    body = render_template(template, **context)
    return (
        body,
        200,
        {
            "Content-Type": "application/rss+xml; charset=utf-8"
            if template.endswith("feed.xml")
            else "application/xml; charset=utf-8"
        },
    )


@bp.get("/feed.xml")
def feed():
    """RSS 2.0 feed of the latest articles."""
    articles = db.session.scalars(published_articles_query().limit(FEED_ITEMS)).all()
    return _xml("seo/feed.xml", articles=articles)


@bp.get("/sitemap.xml")
def sitemap():
    """The sitemap index: the site's pages, then the articles in parts of
    ARTICLES_PER_SITEMAP (one query: the highest article id)."""
    parts = sitemaps.article_parts()
    return _xml("seo/sitemap_index.xml", parts=parts)


@bp.get("/sitemap-pages.xml")
def sitemap_pages():
    """The front page, the shop, the categories and the products, in each language."""
    products = db.session.scalars(active_products_query().limit(sitemaps.MAX_PRODUCTS)).all()
    categories = db.session.scalars(sa.select(Category).order_by(Category.name)).all()
    return _xml("seo/sitemap.xml", products=products, categories=categories)


@bp.get("/sitemap-articles-<int:part>.xml")
def sitemap_articles(part: int):
    """One part of the articles: those whose id falls in it, both languages, with the date
    each last changed. Streamed: a part never sits in memory as a whole."""
    if not 1 <= part <= sitemaps.article_parts():
        abort(404)
    rows = sitemaps.articles_of_part(part)
    response = Response(
        sitemaps.urlset(rows, sitemaps.url_templates()),
        content_type="application/xml; charset=utf-8",
    )
    # Set here, from the rows, so that the cache rule does not read the stream to hash it.
    response.set_etag(sitemaps.etag(part, rows), weak=True)
    return response


@bp.get("/robots.txt")
def robots():
    """Keep crawlers out of the private parts; point them at the sitemap."""
    lines = ["User-agent: *"]
    lines += [
        f"Disallow: {prefix}{path}"
        for prefix in PREFIXES.values()
        for path in ("/admin", "/account", "/checkout", "/search")
    ]
    lines.append(f"Sitemap: {url_for('seo.sitemap', _external=True)}")
    return "\n".join(lines) + "\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
