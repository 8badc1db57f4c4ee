"""A comment's website that is not a well-formed http(s) address is refused by the form, with
its message, and the comment is not stored; never a 500."""

import pytest
import sqlalchemy as sa

from store.articles.models import Comment
from tests.conftest import visitor

#: addresses the URL parser itself refuses (a bracketed host left open or holding no IPv6
#: address, a port that is no number from 0 to 65535), or that name no host
MALFORMED_WEBSITES = [
    "http://[::1",
    "https://[::1/chemin",
    "http://[zz]/",
    "http://]::1[/",
    "http://example.org:99999/",
    "http://example.org:port/",
    "http://:80/",
    "http://@/",
]
#: well-formed addresses with odd parts, which are fine
ACCEPTED_WEBSITES = ["http://[::1]/", "https://[2001:db8::1]:8443/a", "http://example.org:8080/"]


def post_comment(app, slug, website):
    return visitor(app).post(
        f"/articles/{slug}/comments",
        {"name": "Camille", "email": "camille@example.org", "body": "Bien vu.", "website": website},
    )


@pytest.mark.parametrize("website", MALFORMED_WEBSITES)
def test_a_malformed_website_gets_the_forms_message(app, db, create_article, website):
    article = create_article()
    response = post_comment(app, article.slug, website)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Indiquez une adresse de site commençant par http:// ou https://." in page
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


@pytest.mark.parametrize("website", ACCEPTED_WEBSITES)
def test_a_well_formed_website_is_kept(app, db, create_article, website):
    article = create_article()
    assert post_comment(app, article.slug, website).status_code == 303
    assert db.session.scalar(sa.select(Comment.author_website)) == website
