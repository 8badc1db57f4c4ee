"""The news pages: front page, article page, comments."""

import re
from datetime import timedelta

import pytest

from store.articles.models import Comment, CommentStatus
from store.catalog.models import Billing
from store.database import utcnow

ARTICLE_URL = "/articles/differend-openai-elon-musk-blague-proces"


def test_front_page_lists_articles_the_offer_banner_and_the_shop(client, seeded):
    page = client.get("/").get_data(as_text=True)
    assert "Les dessous du différend entre OpenAI et Elon Musk" in page
    assert "Lire la suite" in page
    assert "2 avril 2024" in page
    assert "Accès à GPT 4 dès aujourd&#39;hui pour 7€" in page
    assert "70,00\xa0€ / an" in page
    assert "19,00\xa0€" in page


def test_the_article_page_has_its_parts(client, seeded):
    response = client.get(ARTICLE_URL)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Les dessous du différend entre OpenAI et Elon Musk" in page
    assert "Actualités" in page
    assert "2 avril 2024" in page
    assert "<h2>L’élément déclencheur, les investissements financiers de Microsoft</h2>" in page
    assert "Cliquez pour commenter" in page and 'href="#comments"' in page
    assert "Laisser un commentaire" in page
    assert (
        "Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *"
    ) in page
    offer = page.split('class="offer"')[1].split("</aside>")[0]
    assert "Accès à GPT 4 dès aujourd&#39;hui pour 7€" in offer
    assert "7,00\xa0€ / mois" in offer
    assert 'action="/cart/add"' in offer
    assert "Suivez-nous" in page


def test_every_list_and_the_article_word_the_date_the_same_way(client, seeded):
    pages = [
        "/",
        "/category/actualites",
        "/search?q=musk",
        "/articles/differend-openai-elon-musk-blague-proces",
    ]
    for url in pages:
        french = client.get(url).get_data(as_text=True)
        assert re.search(r'Publié le <time datetime="[^"]+">2 avril 2024</time>', french), url
        english = client.get(f"/en{url}").get_data(as_text=True)
        assert re.search(r'Published on <time datetime="[^"]+">2 April 2024</time>', english), url


def test_unpublished_and_future_articles_are_hidden(client, create_article):
    draft = create_article(published_at=None)
    scheduled = create_article(published_at=utcnow() + timedelta(days=1))
    page = client.get("/").get_data(as_text=True)
    for article in (draft, scheduled):
        assert article.title not in page
        assert client.get(f"/articles/{article.slug}").status_code == 404


def test_front_page_paginates(client, create_article, app):
    app.config["ARTICLES_PER_PAGE"] = 2
    for days in range(5):
        create_article(title=f"Titre {days}", published_at=utcnow() - timedelta(days=days))
    first = client.get("/").get_data(as_text=True)
    assert "Titre 0" in first and "Titre 1" in first and "Titre 2" not in first
    assert '<a href="/?page=2">Articles plus anciens</a>' in first
    assert "Articles plus récents" not in first
    third = client.get("/?page=3").get_data(as_text=True)
    assert "Titre 4" in third
    # the front page is not counted (no COUNT query): "page 3", not "page 3 of 3"
    assert '<a href="/?page=2">Articles plus récents</a>' in third
    assert "<span>Page 3</span>" in third
    assert "Articles plus anciens" not in third
    assert client.get("/?page=4").status_code == 404
    assert client.get("/?page=9").status_code == 404
    assert client.get("/?page=abc").status_code == 200


def test_an_archived_offer_is_not_embedded(db, client, seeded):
    from store.catalog.models import Product

    offer = db.session.scalar(db.select(Product).filter_by(slug="acces-gpt-4"))
    offer.active = False
    db.session.commit()
    page = client.get(ARTICLE_URL).get_data(as_text=True)
    assert 'class="offer"' not in page


def test_markdown_body_is_sanitised(client, create_article):
    article = create_article(
        body="<script>alert(1)</script>\n\n[clic](javascript:alert(1)) "
        "<img src=x onerror=alert(1)>\n\n## Titre"
    )
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    body = page.split('class="article-body"')[1].split("</div>")[0]
    assert "<script>" not in body
    assert 'href="javascript' not in body and "<a " not in body
    assert "<img" not in body
    assert "<h2>Titre</h2>" in body


@pytest.fixture
def article(create_article, create_product):
    offer = create_product(name="Offre", billing=Billing.MONTHLY, headline="Une offre")
    return create_article(offer=offer)


def comment_data(**overrides):
    return {
        "name": "Camille",
        "email": "Camille@Example.org",
        "website": "",
        "body": "Merci pour cet article.",
        **overrides,
    }


def test_a_new_comment_waits_for_moderation(db, forms, client, article):
    response = forms.post(f"/articles/{article.slug}/comments", comment_data())
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "en attente de modération" in page
    assert "Merci pour cet article." not in page

    comment = db.session.scalar(db.select(Comment))
    assert comment.status is CommentStatus.PENDING
    assert comment.author_email == "camille@example.org"

    comment.status = CommentStatus.APPROVED
    db.session.commit()
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "Merci pour cet article." in page
    assert "camille@example.org" not in page.lower()


def test_comments_are_escaped(client, article, create_comment):
    create_comment(
        article,
        author_name="<b>Eve</b>",
        body="<script>alert(1)</script>",
        author_website='https://eve.example/"onmouseover="x',
    )
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Eve&lt;/b&gt;" in page
    assert '"onmouseover="' not in page


def test_spam_and_pending_comments_are_not_shown(client, article, create_comment):
    create_comment(article, body="Commentaire en attente", status=CommentStatus.PENDING)
    create_comment(article, body="Achetez mes pilules", status=CommentStatus.SPAM)
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "Commentaire en attente" not in page
    assert "Achetez mes pilules" not in page


def test_the_honeypot_drops_bot_comments(db, forms, client, article):
    response = forms.post(f"/articles/{article.slug}/comments", comment_data(nickname="bot"))
    assert response.status_code == 303
    assert db.session.scalar(db.select(db.func.count(Comment.id))) == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": ""}, "Indiquez votre nom."),
        ({"email": "pas-un-email"}, "Indiquez une adresse e-mail valide."),
        ({"email": ""}, "Indiquez votre adresse e-mail."),
        ({"body": "   "}, "Écrivez votre commentaire."),
        ({"website": "javascript:alert(1)"}, "commençant par http:// ou https://"),
        ({"body": "x" * 5001}, "moins de 5000 caractères"),
    ],
)
def test_invalid_comments_are_refused_and_keep_what_was_typed(
    db, forms, article, overrides, message
):
    data = comment_data(**overrides)
    response = forms.post(f"/articles/{article.slug}/comments", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    form = page.split('id="respond"')[1]
    assert 'role="alert">Votre commentaire n’a pas été publié' in form
    assert message in form  # next to the field, where the browser lands (#respond)
    assert f'action="/articles/{article.slug}/comments#respond"' in page
    if overrides.get("name") != "":
        assert 'value="Camille"' in page
    assert db.session.scalar(db.select(db.func.count(Comment.id))) == 0


def test_a_refused_comment_gives_back_what_was_typed_as_text_not_markup(forms, article):
    typed = '"><script>alert(1)</script>'
    data = comment_data(name=typed, website="nope", body=f"{typed}\r\nsecond line")
    page = forms.post(f"/articles/{article.slug}/comments", data).get_data(as_text=True)
    form = page.split('id="comment-form"')[1]
    assert "<script>alert(1)" not in form
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in form
    assert 'value="nope"' in form
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\nsecond line</textarea>" in form


def test_commenting_on_a_missing_article_is_a_404(forms):
    assert forms.post("/articles/nope/comments", comment_data()).status_code == 404


MODERATION_NOTICE = "Merci ! Votre commentaire est en attente de modération"


def respond_block(page: str) -> str:
    """The "Leave a Reply" part of an article page: the notice after a post, and the form."""
    return page.split('<div id="respond"')[1].split("</form>")[0]


def test_the_moderation_notice_waits_at_the_form_not_at_the_top(forms, client, article):
    response = forms.post(f"/articles/{article.slug}/comments", comment_data())
    assert response.headers["Location"] == f"/articles/{article.slug}#comment-posted"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count(MODERATION_NOTICE) == 1
    assert 'id="comment-posted" class="comment-posted" role="status"' in respond_block(page)
    assert MODERATION_NOTICE in respond_block(page)
    assert 'class="flashes"' not in page

    again = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert MODERATION_NOTICE not in again  # it answered one post


def test_other_messages_stay_at_the_top_next_to_the_moderation_notice(forms, client, article):
    forms.post(f"/articles/{article.slug}/comments", comment_data())
    forms.post("/cart/add", {"product_id": article.offer.id, "next": f"/articles/{article.slug}"})

    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    top = page.split('class="flashes"')[1].split("</div>")[0]
    assert "a été ajouté à votre panier" in top and MODERATION_NOTICE not in top
    assert MODERATION_NOTICE in respond_block(page)


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_SECONDS": 60}])
def test_the_moderation_notice_shows_even_when_the_article_page_was_cached(forms, client, article):
    assert MODERATION_NOTICE not in client.get(f"/articles/{article.slug}").get_data(as_text=True)
    forms.post(f"/articles/{article.slug}/comments", comment_data())
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert MODERATION_NOTICE in respond_block(page)


def test_a_logged_in_customer_is_not_asked_for_email_and_finds_their_name(
    db, forms, client, article, login_as
):
    login_as("camille.martin@example.org", admin=False)
    form = respond_block(client.get(f"/articles/{article.slug}").get_data(as_text=True))
    assert "Commenter en tant que camille.martin@example.org." in form
    assert 'name="email"' not in form
    assert 'name="body"' in form
    # the first time, nothing of the address is offered as a name
    assert 'name="name" required type="text" value=""' in form

    forged = comment_data(name="Camille M.", email="patron@example.org")
    response = forms.post(f"/articles/{article.slug}/comments", forged)
    assert response.headers["Location"] == f"/articles/{article.slug}#comment-posted"
    comment = db.session.scalar(db.select(Comment))
    assert comment.author_name == "Camille M."
    assert comment.author_email == "camille.martin@example.org"
    assert comment.body == "Merci pour cet article."

    again = respond_block(client.get(f"/articles/{article.slug}").get_data(as_text=True))
    assert 'name="name" required type="text" value="Camille M."' in again


def test_a_logged_in_customer_s_refused_comment_keeps_the_text(
    db, forms, client, article, login_as
):
    login_as("camille@example.org", admin=False)
    response = forms.post(
        f"/articles/{article.slug}/comments",
        {"body": "Un avis.", "website": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    form = respond_block(response.get_data(as_text=True))
    assert "commençant par http:// ou https://" in form
    assert "Un avis.</textarea>" in form
    assert "Indiquez votre adresse e-mail." not in form
    assert db.session.scalar(db.select(db.func.count(Comment.id))) == 0


def test_the_offer_of_a_refused_comment_s_page_still_leads_back_to_the_article(forms, article):
    page = forms.post(f"/articles/{article.slug}/comments", comment_data(name="")).get_data(
        as_text=True
    )
    offer = page.split('class="offer"')[1].split("</aside>")[0]
    assert f'name="next" value="/articles/{article.slug}#offer"' in offer
