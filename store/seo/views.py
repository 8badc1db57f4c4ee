"""/feed.xml, /sitemap.xml and /robots.txt."""

import sqlalchemy as sa
from flask import Blueprint, render_template, url_for

from store.articles.models import Category
from store.articles.services import published_articles_query
from store.catalog.services import active_products_query
from store.extensions import db
from store.i18n import PREFIXES

bp = Blueprint("seo", __name__)

FEED_ITEMS = 20
#: the sitemap protocol allows 50,000 URLs a file
SITEMAP_LIMIT = 50_000


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
    """Every public page a search engine should know, in each language."""
    articles = db.session.scalars(published_articles_query().limit(SITEMAP_LIMIT)).all()
    products = db.session.scalars(active_products_query().limit(SITEMAP_LIMIT)).all()
    categories = db.session.scalars(sa.select(Category).order_by(Category.name)).all()
    return _xml("seo/sitemap.xml", articles=articles, products=products, categories=categories)


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
