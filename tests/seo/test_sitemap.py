"""The sitemap at any size: an index, the site's pages, the articles in parts within the
protocol's limits (50,000 URLs and 50 MB a file) and the store's own (no answer over 10 MB),
every published article present once in each language, nothing else."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from store.database import utcnow
from store.seo import sitemaps
from tests.readers import sitemap_entries, sitemap_files


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of three articles, so that a handful of articles fill several."""
    monkeypatch.setattr(sitemaps, "ARTICLES_PER_SITEMAP", 3)


def test_every_published_article_is_in_one_part_in_both_languages(
    client, small_parts, create_article
):
    now = utcnow()
    published = [create_article(published_at=now - timedelta(days=n)) for n in range(8)]
    draft = create_article(published_at=None)
    scheduled = create_article(published_at=now + timedelta(days=2))
    edited = published[2]
    edited.updated_at = now + timedelta(minutes=1)

    files = sitemap_files(client)
    assert files[0] == "/sitemap-pages.xml"
    assert files[1:] == [f"/sitemap-articles-{n}.xml" for n in range(1, 5)]  # ids 1..10
    entries = sitemap_entries(client)
    for article in published:
        french = f"http://localhost/articles/{article.slug}"
        english = f"http://localhost/en/articles/{article.slug}"
        assert (
            entries[french]["alternates"]
            == entries[english]["alternates"]
            == {
                "fr": french,
                "en": english,
                "x-default": french,
            }
        )
        assert (
            entries[french]["lastmod"]
            == max(article.published_at, article.updated_at).date().isoformat()
        )
    for hidden in (draft, scheduled):
        assert f"http://localhost/articles/{hidden.slug}" not in entries
    articles = [loc for loc in entries if "/articles/" in loc]
    assert len(articles) == 2 * len(published)
    for path in files[1:]:
        assert client.get(path).get_data(as_text=True).count("<url>") <= 2 * 3
    assert client.get("/sitemap-articles-5.xml").status_code == 404
    assert client.get("/sitemap-articles-0.xml").status_code == 404


def test_a_part_is_streamed_and_within_every_limit(client, db, create_article):
    """The real part size: 2,000 articles, each in two languages, with the longest slug a
    title can give (200 characters), stays under 50,000 URLs and 10 MB."""
    article = create_article(slug="a" * 200)
    response = client.get("/sitemap-articles-1.xml")
    assert response.is_streamed and response.status_code == 200
    body = response.get_data(as_text=True)
    per_article = body.count("<url>")
    assert per_article == 2 and article.slug in body
    entry_bytes = len(body.split("<url>", 1)[1].encode()) + len("<url>")
    assert sitemaps.ARTICLES_PER_SITEMAP * per_article <= 50_000
    assert sitemaps.ARTICLES_PER_SITEMAP * entry_bytes <= 10 * 1024 * 1024


def test_a_part_costs_two_statements_whatever_its_size(app, db, client, create_article):
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        create_article()
        seen.clear()
        client.get("/sitemap-articles-1.xml").get_data()
        small = len(seen)
        for _ in range(30):
            create_article()
        seen.clear()
        client.get("/sitemap-articles-1.xml").get_data()
        assert len(seen) == small == 2
        seen.clear()
        client.get("/sitemap.xml")
        assert len(seen) == 1
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
