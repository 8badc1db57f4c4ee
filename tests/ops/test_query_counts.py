"""SQL statements per page are bounded: the same with 10 or 1,000 products, articles and
comments, because lists paginate and related rows are loaded with the page; and each page
keeps to its budget (docs/PERFORMANCE.md, "Uncached render cost")."""

from datetime import timedelta

import sqlalchemy as sa

from store.articles.models import Article, Category, Comment, CommentStatus
from store.catalog.models import Billing, Product
from store.database import utcnow
from store.extensions import db as _db


def populate(db, size: int, start: int = 0) -> str:
    """Add `size` products, articles and comments (all on the first article); returns the
    first article's URL."""
    category = db.session.scalar(sa.select(Category)) or Category(slug="actu", name="Actu")
    db.session.add(category)
    db.session.flush()
    now = utcnow()
    numbers = range(start, start + size)
    db.session.execute(
        sa.insert(Product),
        [
            {
                "slug": f"p{n}",
                "name": f"Produit {n}",
                "price_cents": 700 + n,
                "currency": "EUR",
                "billing": Billing.MONTHLY if n % 2 else Billing.ONE_TIME,
                "position": n,
                "short_description": "",
                "description": "",
                "headline": "",
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for n in numbers
        ],
    )
    db.session.execute(
        sa.insert(Article),
        [
            {
                "slug": f"a{n}",
                "title": f"Article {n}",
                "excerpt": "",
                "body": "Texte.",
                "category_id": category.id,
                "published_at": now - timedelta(minutes=n),
                "offer_product_id": 1,
                "created_at": now,
                "updated_at": now,
            }
            for n in numbers
        ],
    )
    first = db.session.scalar(sa.select(Article.id).where(Article.slug == "a0"))
    db.session.execute(
        sa.insert(Comment),
        [
            {
                "article_id": first,
                "author_name": f"Lecteur {n}",
                "author_email": "l@example.org",
                "author_website": "",
                "body": "Bien.",
                "status": CommentStatus.APPROVED,
                "created_at": now,
            }
            for n in numbers
        ],
    )
    db.session.commit()
    return "/articles/a0"


#: SQL statements each page runs for an anonymous visitor with an empty cart
BUDGET = {
    "/": 2,  # the articles with their category; the offers with the featured one
    "/articles/a0": 3,  # the article with its category and offer; its neighbours; its comments
    "/category/actu": 2,  # the category; its articles
    "/shop": 1,  # the products with their total
    "/shop/p1": 1,
    "/cart": 0,
}


def statements_per_page(app, client) -> dict[str, int]:
    """How many SQL statements each page runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = _db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    counts = {}
    try:
        for url in BUDGET:
            seen.clear()
            assert client.get(url).status_code == 200, url
            counts[url] = len(seen)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return counts


def test_statements_per_page_do_not_grow_with_content(app, db, forms, client):
    populate(db, 10)
    visitor = app.test_client()  # anonymous, nothing in the cart
    forms.post("/cart/add", {"product_id": 1})
    forms.post("/cart/add", {"product_id": 2})
    anonymous_10 = statements_per_page(app, visitor)
    with_cart_10 = statements_per_page(app, client)
    assert anonymous_10 == BUDGET
    # a cart costs one statement more (its products) on every page, and the cart page reads
    # the VAT rate for its "dont TVA" line
    assert with_cart_10 == {url: budget + 1 + (url == "/cart") for url, budget in BUDGET.items()}

    populate(db, 990, start=10)
    assert statements_per_page(app, visitor) == anonymous_10
    assert statements_per_page(app, client) == with_cart_10


def test_long_lists_are_paginated(db, client):
    populate(db, 120)
    shop = client.get("/shop").get_data(as_text=True)
    assert shop.count('class="card product-card"') == 24
    assert "Page 1 sur 5" in shop
    front = client.get("/").get_data(as_text=True)
    assert front.count('class="card teaser"') == 10
    assert front.count('class="card product-card"') == 6
    article = client.get("/articles/a0").get_data(as_text=True)
    assert article.count('class="comment"') == 50
    assert "120 commentaires" in article
    last = client.get("/articles/a0?comments=3").get_data(as_text=True)
    assert last.count('class="comment"') == 20


def test_news_lists_go_back_a_bounded_number_of_pages(client, db, monkeypatch):
    """Page n of a list skips (n - 1) × 10 rows: the news and a category stop at
    MAX_LIST_PAGE (2,000 articles back); every article stays in the sitemap."""
    from store import pagination

    monkeypatch.setattr(pagination, "MAX_LIST_PAGE", 3)
    populate(db, 60)
    third = client.get("/?page=3").get_data(as_text=True)
    assert third.count('class="card teaser"') == 10
    assert "Articles plus anciens" not in third  # the last page a reader reaches
    assert client.get("/?page=4").status_code == 404
    last = client.get("/category/actu?page=3").get_data(as_text=True)
    assert "Articles plus anciens" not in last
    assert "/articles/a59" in "".join(
        client.get(p).get_data(as_text=True) for p in ("/sitemap-articles-1.xml",)
    )
