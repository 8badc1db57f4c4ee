"""An anonymous comment belongs to no account, whatever email it typed.

Anybody can type a customer's address in the comment form. Before, the store tied comments to
accounts by that address: a stranger's comment appeared in the customer's data export, filled
their comment form with the stranger's name, and was deleted with their account. Only a
comment written logged in is the account's.
"""

import json

import sqlalchemy as sa

from store.articles.models import Comment
from tests.conftest import PASSWORD, logged_in, visitor

STRANGER = {"name": "Un Inconnu", "email": "camille@example.org", "body": "Pas de Camille."}


def comment(browser, article, **fields):
    response = browser.post(f"/articles/{article.slug}/comments", fields)
    assert response.status_code == 303, response.get_data(as_text=True)


def test_a_strangers_comment_with_a_customers_address_is_never_theirs(
    app, db, make_user, create_article
):
    article = create_article()
    customer = make_user("camille@example.org")
    comment(visitor(app), article, **STRANGER)
    camille = logged_in(app, customer)
    comment(camille, article, name="Camille", body="Mon propre avis.")

    export = json.loads(camille.client.get("/account/export").get_data(as_text=True))
    written = json.dumps(export, ensure_ascii=False)
    assert "Mon propre avis." in written
    assert "Pas de Camille." not in written and "Un Inconnu" not in written

    form = camille.client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert 'value="Camille"' in form and "Un Inconnu" not in form

    admin = logged_in(app, make_user("patron@example.org", admin=True))
    queue = admin.client.get("/admin/comments").get_data(as_text=True)
    assert "compte client" in queue and "saisie, non vérifiée" in queue

    assert camille.post("/account/delete", {"current": PASSWORD}).status_code == 303
    db.session.rollback()
    # the stranger's words stay; the address they typed, which is Camille's, goes
    assert db.session.execute(sa.select(Comment.body, Comment.author_email)).all() == [
        ("Pas de Camille.", "")
    ]


def test_a_customers_comment_carries_their_account_whatever_email_is_posted(
    app, db, make_user, create_article
):
    article = create_article()
    customer = logged_in(app, make_user("camille@example.org"))
    comment(customer, article, name="Camille", email="autre@example.org", body="Bonjour.")
    db.session.rollback()
    stored = db.session.scalar(sa.select(Comment))
    assert stored.user_id is not None and stored.author_email == "camille@example.org"
