"""Articles and comments in the back office."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from store.articles.models import Article, Category, Comment, CommentStatus
from store.catalog.models import Billing
from store.database import utcnow
from store.markdown import render_markdown


def article_data(**overrides):
    return {
        "title": "GPT-5 : ce que l’on sait",
        "slug": "",
        "category_id": "",
        "new_category": "",
        "excerpt": "Le résumé.",
        "body": "Premier paragraphe.\n\n## Intertitre\n\nSuite.",
        "offer_id": "0",
        "published_at": "",
        **overrides,
    }


def test_write_a_draft_preview_it_then_publish_it(db, client, forms, admin):
    preview = forms.post("/admin/articles/new", article_data(preview="1"))
    assert preview.status_code == 200
    assert "<h2>Intertitre</h2>" in preview.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0

    forms.post("/admin/articles/new", article_data(new_category="Actualités"))
    article = db.session.scalar(sa.select(Article))
    assert article.slug == "gpt-5-ce-que-l-on-sait"
    assert article.category.name == "Actualités"
    assert article.published_at is None
    assert client.get(f"/articles/{article.slug}").status_code == 404

    forms.post(f"/admin/articles/{article.id}/publish")
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "GPT-5 : ce que l’on sait" in page
    assert "GPT-5" in client.get("/").get_data(as_text=True)

    forms.post(f"/admin/articles/{article.id}/unpublish", {"confirmed": "yes"})
    assert client.get(f"/articles/{article.slug}").status_code == 404


def test_a_scheduled_article_stays_hidden_until_its_date(db, client, forms, admin):
    tomorrow = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    forms.post("/admin/articles/new", article_data(published_at=tomorrow))
    article = db.session.scalar(sa.select(Article))
    assert article.published_at > utcnow()
    assert client.get(f"/articles/{article.slug}").status_code == 404
    listing = client.get("/admin/articles?status=scheduled").get_data(as_text=True)
    assert "GPT-5" in listing and "Programmé" in listing


def test_paris_time_is_stored_in_utc(db, forms, admin):
    forms.post("/admin/articles/new", article_data(published_at="2024-07-01T10:00"))
    article = db.session.scalar(sa.select(Article))
    assert article.published_at.hour == 8  # 10:00 in Paris in summer is 08:00 UTC


def category_names(db):
    return sorted(db.session.scalars(sa.select(Category.name)))


def test_the_category_is_chosen_in_a_list_or_created_on_purpose(db, client, forms, admin):
    existing = Category(slug="actualites", name="Actualités")
    db.session.add(existing)
    db.session.commit()
    form = client.get("/admin/articles/new").get_data(as_text=True)
    assert '<select id="category_id" name="category_id">' in form
    assert f'<option value="{existing.id}">Actualités</option>' in form

    chosen = forms.post("/admin/articles/new", article_data(category_id=str(existing.id)))
    assert chosen.status_code == 303
    assert db.session.scalar(sa.select(Article)).category.name == "Actualités"

    created = forms.post(
        "/admin/articles/new", article_data(title="Deux", new_category="Tutoriels")
    )
    assert created.status_code == 303
    assert category_names(db) == ["Actualités", "Tutoriels"]
    assert "<option value=" in client.get("/admin/articles/new").get_data(as_text=True)
    assert ">Tutoriels</option>" in client.get("/admin/articles/new").get_data(as_text=True)


def test_a_new_category_named_like_an_existing_one_is_refused(db, forms, admin):
    existing = Category(slug="actualites", name="Actualités")
    db.session.add(existing)
    db.session.commit()
    typo = forms.post("/admin/articles/new", article_data(new_category="  ACTUALITÉS "))
    assert typo.status_code == 400
    page = typo.get_data(as_text=True)
    assert "La catégorie « Actualités » existe déjà" in page
    # the existing one is now chosen: saving again files the article under it
    assert f'<option selected value="{existing.id}">Actualités</option>' in page
    assert category_names(db) == ["Actualités"]
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0

    unknown = forms.post("/admin/articles/new", article_data(category_id="999"))
    assert unknown.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0


def test_the_products_that_unlock_an_article_are_checkboxes(
    db, client, forms, admin, create_product
):
    monthly = create_product(name="Mensuel", billing=Billing.MONTHLY)
    yearly = create_product(name="Annuel", billing=Billing.YEARLY)
    create_product(name="Guide")  # a one-time guide opens no article: not offered
    form = client.get("/admin/articles/new").get_data(as_text=True)
    assert "<select multiple" not in form
    boxes = re.findall(r'<input [^>]*name="access_product_ids"[^>]*>', form)
    assert len(boxes) == 2 and all('type="checkbox"' in box for box in boxes)
    assert "Mensuel</label>" in form and "Annuel</label>" in form and "Guide</label>" not in form

    forms.post(
        "/admin/articles/new",
        article_data(subscribers_only="y", access_product_ids=[str(monthly.id), str(yearly.id)]),
    )
    article = db.session.scalar(sa.select(Article))
    assert {p.id for p in article.access_products} == {monthly.id, yearly.id}
    edit = client.get(f"/admin/articles/{article.id}").get_data(as_text=True)
    assert edit.count("checked") == 3  # both products, and "reserved for subscribers"


def test_embed_an_offer(db, client, forms, admin, create_product):
    offer = create_product(name="Accès à Claude", headline="Claude dès aujourd'hui")
    forms.post(
        "/admin/articles/new", article_data(offer_id=str(offer.id), published_at="2024-01-01T10:00")
    )
    article = db.session.scalar(sa.select(Article))
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "Claude dès aujourd&#39;hui" in page


def test_an_edited_body_is_what_readers_and_non_subscribers_see_next(
    app, db, client, forms, admin, create_product
):
    """The body's HTML and its teaser are rendered when saved: an edit replaces both."""
    plan = create_product(name="Mensuel", billing=Billing.MONTHLY)
    reserved = {"subscribers_only": "y", "access_product_ids": [str(plan.id)]}
    published = {"published_at": "2024-01-01T10:00", **reserved}
    forms.post(
        "/admin/articles/new",
        article_data(body="Ancien début.\n\nAncienne suite.\n\nAncienne fin.", **published),
    )
    article = db.session.scalar(sa.select(Article))
    url = f"/articles/{article.slug}"
    visitor = app.test_client()
    assert "Ancien début." in visitor.get(url).get_data(as_text=True)

    body = "Nouveau **début**.\n\n## Intertitre\n\nNouvelle suite.\n\nFIN-RÉSERVÉE " + "mot " * 30
    forms.post(f"/admin/articles/{article.id}", article_data(body=body, **published))
    teaser = visitor.get(url).get_data(as_text=True)
    assert "Nouveau <strong>début</strong>." in teaser and "<h2>Intertitre</h2>" in teaser
    assert "Ancien" not in teaser and "FIN-RÉSERVÉE" not in teaser
    whole = client.get(url).get_data(as_text=True)  # the admin reads every article whole
    assert "Nouvelle suite." in whole and "FIN-RÉSERVÉE" in whole and "Ancien" not in whole


def test_delete_an_article_after_confirming(db, forms, admin, create_article, create_comment):
    article = create_article()
    create_comment(article)
    asked = forms.post(f"/admin/articles/{article.id}/delete")
    assert "Supprimer définitivement" in asked.get_data(as_text=True)
    forms.post(f"/admin/articles/{article.id}/delete", {"confirmed": "yes"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_an_article_slug_must_be_free(db, forms, admin, create_article):
    create_article(slug="deja-pris")
    response = forms.post("/admin/articles/new", article_data(slug="deja-pris"))
    assert response.status_code == 400
    assert "Un autre article utilise déjà ce slug." in response.get_data(as_text=True)
    bad = forms.post("/admin/articles/new", article_data(slug="Pas Un Slug!"))
    assert bad.status_code == 400


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "![x](javascript:alert(1))",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


class ActiveContent(HTMLParser):
    """Collects what a browser would run: script-ish tags, event handlers, unsafe URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "svg", "math", "object", "embed", "style", "form"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(name)
            if name in ("href", "src") and urlsplit((value or "").strip()).scheme.lower() not in (
                "http",
                "https",
                "mailto",
                "",
            ):
                self.found.append(f"{name}={value}")


@pytest.mark.parametrize("attack", XSS)
def test_markdown_sanitiser_stops_scripts(attack):
    html = str(render_markdown(f"Avant\n\n{attack}\n\nAprès"))
    parser = ActiveContent()
    parser.feed(html)
    assert parser.found == [], html
    assert "Avant" in html and "Après" in html


def test_markdown_keeps_ordinary_formatting():
    html = str(render_markdown("**gras** et [lien](https://example.org)\n\n- un\n- deux"))
    assert "<strong>gras</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">lien</a>' in html
    assert "<li>deux</li>" in html


@pytest.fixture
def queue(create_article, create_comment):
    article = create_article()
    return [
        create_comment(article, body=f"Commentaire {n}", status=CommentStatus.PENDING)
        for n in range(3)
    ]


def test_moderation_in_bulk(db, client, forms, admin, queue, create_article):
    page = client.get("/admin/comments").get_data(as_text=True)
    assert all(f"Commentaire {n}" in page for n in range(3))
    assert "camille@example.org" in page  # the admin sees the email

    forms.post(
        "/admin/comments/moderate",
        {"action": "approve", "ids": [str(queue[0].id), str(queue[1].id)]},
    )
    forms.post("/admin/comments/moderate", {"action": "spam", "ids": [str(queue[2].id)]})
    statuses = dict(db.session.execute(sa.select(Comment.id, Comment.status)).all())
    assert statuses == {queue[0].id: "approved", queue[1].id: "approved", queue[2].id: "spam"}
    article_page = client.get(f"/articles/{queue[0].article.slug}").get_data(as_text=True)
    assert "Commentaire 0" in article_page and "Commentaire 2" not in article_page

    asked = forms.post(
        "/admin/comments/moderate",
        {"action": "delete", "ids": [str(queue[2].id)], "status": "spam"},
    )
    assert "Supprimer définitivement 1 commentaire(s) ?" in asked.get_data(as_text=True)
    assert db.session.get(Comment, queue[2].id) is not None
    forms.post(
        "/admin/comments/moderate",
        {"action": "delete", "ids": [str(queue[2].id)], "status": "spam", "confirmed": "yes"},
    )
    spam_id = queue[2].id
    db.session.expire_all()
    assert db.session.get(Comment, spam_id) is None


def test_moderation_explains_bad_requests(forms, client, admin, queue):
    forms.post("/admin/comments/moderate", {"action": "approve"})
    assert "Cochez au moins un commentaire." in client.get("/admin/comments").get_data(as_text=True)
    forms.post("/admin/comments/moderate", {"action": "drop-table", "ids": ["1"]})
    assert "Choisissez quoi faire" in client.get("/admin/comments").get_data(as_text=True)


def test_one_click_moderation_per_comment(db, client, forms, admin, queue):
    ids = [comment.id for comment in queue]  # read before the session expires them
    page = client.get("/admin/comments?status=pending&page=1").get_data(as_text=True)
    for comment in queue:
        assert f'action="/admin/comments/{comment.id}/moderate"' in page
    assert page.count('name="action" value="approve"') == 3
    assert page.count('name="action" value="spam"') == 3

    approved = forms.post(
        f"/admin/comments/{ids[0]}/moderate",
        {"action": "approve", "status": "pending", "page": "1"},
    )
    assert approved.status_code == 303
    assert approved.headers["Location"] == "/admin/comments?status=pending"
    assert "Le commentaire de Camille est approuvé." in client.get(
        approved.headers["Location"]
    ).get_data(as_text=True)

    spam = forms.post(
        f"/admin/comments/{ids[1]}/moderate",
        {"action": "spam", "status": "pending", "page": "2"},
    )
    assert spam.headers["Location"] == "/admin/comments?status=pending&page=2"
    statuses = dict(db.session.execute(sa.select(Comment.id, Comment.status)).all())
    assert statuses == {ids[0]: "approved", ids[1]: "spam", ids[2]: "pending"}

    spam_tab = client.get("/admin/comments?status=spam").get_data(as_text=True)
    assert 'name="action" value="spam"' not in spam_tab.split("<table")[1].split("</table>")[0]
    delete = {"action": "delete", "status": "spam"}
    asked = forms.post(f"/admin/comments/{ids[1]}/moderate", delete)
    assert "Supprimer définitivement le commentaire de Camille ?" in asked.get_data(as_text=True)
    assert db.session.get(Comment, ids[1]) is not None
    deleted = forms.post(f"/admin/comments/{ids[1]}/moderate", {**delete, "confirmed": "yes"})
    assert deleted.headers["Location"] == "/admin/comments?status=spam"
    db.session.expire_all()
    assert db.session.get(Comment, ids[1]) is None

    again = forms.post(f"/admin/comments/{ids[1]}/moderate", {"action": "approve"})
    assert again.status_code == 303
    assert "Ce commentaire n’existe plus." in client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    bad = forms.post(f"/admin/comments/{ids[2]}/moderate", {"action": "drop", "status": "x"})
    assert bad.headers["Location"] == "/admin/comments?status=pending"
    assert db.session.get(Comment, ids[2]).status == CommentStatus.PENDING
