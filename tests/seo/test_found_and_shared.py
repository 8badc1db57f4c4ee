"""Feeds, sitemap, robots.txt, canonical URLs, social cards and JSON-LD, parsed as a crawler
would parse them."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from store.catalog.models import Billing
from store.database import utcnow
from tests.readers import sitemap_entries

ARTICLE = "/articles/differend-openai-elon-musk-blague-proces"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


class Head(HTMLParser):
    """Collects <meta>, <link> and JSON-LD blocks of a page."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld, self._in_ld = {}, {}, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content")
        elif tag == "link":
            self.links[attrs.get("rel")] = attrs.get("href")
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld = True

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in_ld = False


def head_of(client, url) -> Head:
    parser = Head()
    parser.feed(client.get(url).get_data(as_text=True))
    return parser


def test_rss_feed_lists_the_latest_articles(client, seeded, create_article):
    create_article(title="Un brouillon", published_at=None)
    response = client.get("/feed.xml")
    assert response.content_type.startswith("application/rss+xml")
    channel = ET.fromstring(response.data).find("channel")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [
        "Les dessous du différend entre OpenAI et Elon Musk : une blague et il abandonne le "
        "procès ?"
    ]
    assert items[0].findtext("link") == f"http://localhost{ARTICLE}"
    assert items[0].findtext("pubDate") == "Tue, 02 Apr 2024 08:00:00 +0000"
    assert items[0].findtext("category") == "Actualités"


def test_sitemap_lists_public_pages_only(client, seeded, create_product):
    create_product(name="Archivée", slug="archivee", active=False)
    locations = set(sitemap_entries(client))
    assert f"http://localhost{ARTICLE}" in locations
    assert "http://localhost/shop/acces-gpt-4" in locations
    assert "http://localhost/category/actualites" in locations
    assert "http://localhost/shop/archivee" not in locations
    assert not any("/admin" in loc or "/account" in loc for loc in locations)


def test_robots_txt_keeps_crawlers_out_of_private_pages(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /admin" in text and "Disallow: /account" in text
    assert "Sitemap: http://localhost/sitemap.xml" in text


def test_article_has_canonical_social_and_news_article_tags(client, seeded):
    head = head_of(client, ARTICLE + "?utm_source=newsletter")
    assert head.links["canonical"] == f"http://localhost{ARTICLE}"
    assert head.meta["og:type"] == "article"
    assert head.meta["og:title"].startswith("Les dessous du différend")
    assert head.meta["og:url"] == f"http://localhost{ARTICLE}"
    assert head.meta["twitter:card"] == "summary"
    assert head.meta["article:section"] == "Actualités"
    (data,) = head.json_ld
    assert data["@type"] == "NewsArticle"
    assert data["datePublished"] == "2024-04-02T08:00:00+00:00"
    assert data["isAccessibleForFree"] is True
    assert data["offers"]["price"] == "7.00" and data["offers"]["priceCurrency"] == "EUR"


def test_a_subscriber_only_article_is_marked_as_paywalled(client, create_article, create_product):
    plan = create_product(billing=Billing.MONTHLY)
    article = create_article(subscribers_only=True, access_products=[plan])
    (data,) = head_of(client, f"/articles/{article.slug}").json_ld
    assert data["isAccessibleForFree"] is False
    assert data["hasPart"]["cssSelector"] == ".paywall"


def test_product_has_product_json_ld_with_an_offer(client, seeded):
    head = head_of(client, "/shop/acces-gpt-4-annuel")
    assert head.meta["og:type"] == "product"
    assert head.meta["product:price:amount"] == "70.00"
    (data,) = head.json_ld
    assert data["@type"] == "Product" and data["name"] == "Accès à GPT 4 — annuel"
    offer = data["offers"]
    assert (offer["@type"], offer["price"], offer["priceCurrency"]) == ("Offer", "70.00", "EUR")
    assert offer["availability"] == "https://schema.org/InStock"
    assert offer["priceSpecification"]["unitCode"] == "ANN"


def test_json_ld_cannot_break_out_of_its_script(client, create_article):
    article = create_article(title="</script><script>alert(1)</script>")
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    (data,) = head_of(client, f"/articles/{article.slug}").json_ld
    assert data["headline"] == "</script><script>alert(1)</script>"


def test_category_pages(client, create_article):
    older = create_article(title="Plus ancien", published_at=utcnow() - timedelta(days=2))
    create_article(title="Plus récent", published_at=utcnow() - timedelta(days=1))
    page = client.get(f"/category/{older.category.slug}").get_data(as_text=True)
    assert page.index("Plus récent") < page.index("Plus ancien")
    assert client.get("/category/nope").status_code == 404


@pytest.fixture
def three(create_article):
    return [
        create_article(title=f"Article {n}", published_at=utcnow() - timedelta(days=3 - n))
        for n in range(3)
    ]


def test_previous_and_next_articles(client, three):
    first, middle, last = three
    page = client.get(f"/articles/{middle.slug}").get_data(as_text=True)
    assert f'rel="prev" href="/articles/{first.slug}"' in page
    assert f'rel="next" href="/articles/{last.slug}"' in page
    assert 'rel="prev"' not in client.get(f"/articles/{first.slug}").get_data(as_text=True)
    assert 'rel="next"' not in client.get(f"/articles/{last.slug}").get_data(as_text=True)


def test_click_to_comment_jumps_to_the_comments(client, seeded):
    page = client.get(ARTICLE).get_data(as_text=True)
    assert '<a href="#comments">Cliquez pour commenter</a>' in page
    assert '<section id="comments"' in page
