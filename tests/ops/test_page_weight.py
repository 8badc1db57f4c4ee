"""Each main page, with everything it loads, weighs at most 60 KB before compression; and the
HTML alone stays under 60 KB with its lists full: what a phone on a slow network downloads and
parses before it shows anything."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from store.articles.models import Article, Category, Comment, CommentStatus
from store.catalog.models import Billing, Product
from store.database import utcnow

BUDGET = 60 * 1024
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/static/[^"]+)"')


@pytest.mark.parametrize(
    "url", ["/", "/articles/differend-openai-elon-musk-blague-proces", "/shop", "/cart"]
)
def test_page_weight_budget(client, seeded, forms, url):
    forms.post("/cart/add", {"product_id": 1})  # the side cart and /cart with one line
    page = client.get(url)
    total = len(page.data)
    for asset in set(ASSET.findall(page.get_data(as_text=True))):
        response = client.get(asset)
        assert response.status_code == 200, asset
        total += len(response.data)
    assert total <= BUDGET, f"{url} weighs {total} bytes"


ARTICLE = "/articles/differend-openai-elon-musk-blague-proces"
#: text of the length readers and editors typically write
SENTENCE = "Une phrase d’actualité comme les autres, avec quelques mots de plus. "


def fill_the_lists(db, size: int = 60) -> None:
    """More articles, products and comments (on the demo article) than a page shows."""
    category = db.session.scalar(sa.select(Category))
    article = db.session.scalar(sa.select(Article).where(Article.slug == ARTICLE.split("/")[-1]))
    now = utcnow()
    db.session.execute(
        sa.insert(Product),
        [
            {
                "slug": f"offre-{n}",
                "name": f"Offre numéro {n} pour suivre l’actualité",
                "price_cents": 700 + n,
                "currency": "EUR",
                "billing": Billing.MONTHLY if n % 2 else Billing.ONE_TIME,
                "position": 10 + n,
                "short_description": SENTENCE * 2,
                "description": SENTENCE * 10,
                "headline": "",
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(size)
        ],
    )
    db.session.execute(
        sa.insert(Article),
        [
            {
                "slug": f"article-{n}",
                "title": f"Un titre d’article de longueur ordinaire, numéro {n}",
                "excerpt": SENTENCE * 4,
                "body": SENTENCE * 40,
                "body_html": f"<p>{SENTENCE * 40}</p>",
                "teaser_html": f"<p>{SENTENCE * 10}</p>",
                "category_id": category.id,
                "published_at": now - timedelta(minutes=n),
                "created_at": now,
                "updated_at": now,
            }
            for n in range(size)
        ],
    )
    db.session.execute(
        sa.insert(Comment),
        [
            {
                "article_id": article.id,
                "author_name": f"Lecteur {n}",
                "author_email": "lecteur@example.org",
                "author_website": "https://example.org/blog" if n % 3 == 0 else "",
                "body": SENTENCE * 7,  # ~500 characters
                "status": CommentStatus.APPROVED,
                "created_at": now,
            }
            for n in range(size)
        ],
    )
    db.session.commit()


def test_public_pages_with_full_lists_weigh_at_most_60_kb_of_html(app, seeded, forms, client):
    fill_the_lists(seeded)
    anonymous = app.test_client()
    pages = [ARTICLE, "/", "/category/actualites", "/shop", "/shop/acces-gpt-4", "/cart"]
    weights = {}
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        weights[url] = len(response.data)
    forms.post("/cart/add", {"product_id": 1})
    forms.post("/cart/add", {"product_id": 3})
    weights["/cart (2 items)"] = len(client.get("/cart").data)
    assert all(weight <= BUDGET for weight in weights.values()), weights
    # the lists were full: the article shows 50 comments, the shop 24 products
    assert anonymous.get(ARTICLE).get_data(as_text=True).count('class="comment"') == 50
    assert anonymous.get("/shop").get_data(as_text=True).count('class="card product-card"') == 24
