"""Admins hear by email of each reader's comment that waits for moderation (a setting)."""

import pytest

from store.mail.sender import send_due
from tests.articles.test_articles import comment_data
from tests.conftest import logged_in, visitor

LONG_COMMENT = "Début du commentaire. " + "Encore une phrase sur le sujet. " * 40 + "FIN-CACHÉE"


@pytest.fixture
def article(create_article):
    return create_article(title="L’IA et la presse")


@pytest.fixture
def admins(db, make_user):
    french = make_user("admin@example.org", admin=True)
    english = make_user("editor@example.org", admin=True)
    english.locale = "en"
    make_user("client@example.org")  # a customer: not told
    db.session.commit()
    return french, english


def comment(app, article, **overrides):
    response = visitor(app).post(f"/articles/{article.slug}/comments", comment_data(**overrides))
    assert response.status_code == 303


def test_every_admin_is_told_in_their_language_with_a_link_to_moderate(
    app, db, article, admins, smtp_server
):
    comment(app, article, body=LONG_COMMENT)
    send_due()

    assert sorted(m["To"] for m in smtp_server.messages) == [
        "admin@example.org",
        "editor@example.org",
    ]
    [french] = smtp_server.to("admin@example.org")
    assert french["Subject"] == "Un commentaire attend votre modération : L’IA et la presse"
    text = french.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = french.get_body(preferencelist=("html",)).get_content()
    assert "Camille a commenté « L’IA et la presse »" in text
    assert "Début du commentaire. Encore une phrase" in text and "Début du commentaire." in html
    assert "FIN-CACHÉE" not in text + html  # an excerpt, not the whole comment
    assert "Modérer les commentaires :\nhttp://localhost/admin/comments" in text
    assert 'href="http://localhost/admin/comments"' in html

    [english] = smtp_server.to("editor@example.org")
    assert english["Subject"] == "A comment awaits moderation: L’IA et la presse"
    assert "Moderate the comments" in english.get_body(preferencelist=("html",)).get_content()

    # the button leads the admin to the comment in the moderation queue
    page = logged_in(app, admins[0]).client.get("/admin/comments").get_data(as_text=True)
    assert "Début du commentaire." in page


def test_each_comment_is_announced_once_per_admin(app, db, article, admins, smtp_server):
    comment(app, article, body="Premier.")
    comment(app, article, body="Second.")
    send_due()
    send_due()
    assert len(smtp_server.to("admin@example.org")) == 2
    assert len(smtp_server.messages) == 4


def test_the_admin_can_turn_the_emails_off_and_on(app, db, article, admins, smtp_server):
    admin = logged_in(app, admins[0])
    page = admin.client.get("/admin/settings").get_data(as_text=True)
    assert "Prévenir les administrateurs des commentaires à modérer" in page
    assert '<input checked id="notify_pending_comments"' in page  # on by default

    # an unticked box is left out of the form, as a browser does
    response = admin.post("/admin/settings", {"grace_period_days": "7", "vat_rate": "20"})
    assert response.status_code == 303
    page = admin.client.get("/admin/settings").get_data(as_text=True)
    assert '<input id="notify_pending_comments"' in page
    comment(app, article)
    send_due()
    assert smtp_server.messages == []

    admin.post(
        "/admin/settings",
        {"grace_period_days": "7", "vat_rate": "20", "notify_pending_comments": "y"},
    )
    comment(app, article)
    send_due()
    assert len(smtp_server.messages) == 2


def test_a_bot_comment_caught_by_the_honeypot_tells_no_one(app, db, article, admins, smtp_server):
    comment(app, article, nickname="bot")
    send_due()
    assert smtp_server.messages == []
