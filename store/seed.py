"""`flask store seed`: load the demo content into an empty database."""

import io
import logging

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from store import seed_content
from store.articles.models import Article, Category
from store.catalog.models import Billing, Product
from store.downloads import services as downloads
from store.downloads.demo_pdf import guide_pdf
from store.extensions import db
from store.legal import demo_text as legal_demo_text
from store.legal import services as legal
from store.legal.models import LegalKind

logger = logging.getLogger(__name__)

store_cli = AppGroup("store", help="Store management commands.")


def database_is_empty() -> bool:
    """True when there is no product and no article yet."""
    has_product = db.session.scalar(sa.select(sa.exists().where(Product.id.is_not(None))))
    has_article = db.session.scalar(sa.select(sa.exists().where(Article.id.is_not(None))))
    return not (has_product or has_article)


def load_demo_content() -> None:
    """Add the demo categories, products, articles and legal pages (the caller commits)."""
    categories = {}
    for category in seed_content.CATEGORIES:
        categories[category["slug"]] = Category(**category)
        db.session.add(categories[category["slug"]])
    products: dict[str, Product] = {}
    for data in seed_content.PRODUCTS:
        fields = {key: value for key, value in data.items() if key != "plan_of"}
        product = Product(**{**fields, "billing": Billing(data["billing"]), "currency": "EUR"})
        if "plan_of" in data:  # the yearly plan of the monthly offer
            product.plan_of = products[data["plan_of"]]
        if product.grants_download:
            # The guide is a real PDF, made here (store/downloads/demo_pdf.py).
            stored = downloads.store_file(
                io.BytesIO(guide_pdf()), "guide-prompts-gpt-4.pdf", product.slug
            )
            downloads.attach_file(product, stored)
        products[data["slug"]] = product
        db.session.add(product)
        db.session.flush()  # ids in the listed order (a plan_of link would reorder the inserts)
    for data in seed_content.ARTICLES:
        fields = {key: value for key, value in data.items() if key not in ("category", "offer")}
        db.session.add(
            Article(**fields, category=categories[data["category"]], offer=products[data["offer"]])
        )
    # The publisher identity stays empty: the mentions légales and the dashboard say what to fill.
    for (kind, locale), text in legal_demo_text.PAGES.items():
        legal.save_page(LegalKind(kind), locale, text)
    db.session.flush()


@store_cli.command("seed")
def seed_command() -> None:
    """Load the demo article and offers if the database has no content yet."""
    if not database_is_empty():
        click.echo("The database already has content: nothing loaded.")
        return
    load_demo_content()
    db.session.commit()
    click.echo(
        f"Loaded {len(seed_content.PRODUCTS)} products and {len(seed_content.ARTICLES)} article."
    )
