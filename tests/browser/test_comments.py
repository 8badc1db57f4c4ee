"""A reader posts a comment in Chromium and sees, where they are, that it awaits moderation."""

import pytest
from playwright.sync_api import expect

from store.articles.models import Comment
from tests.browser.conftest import register
from tests.browser.viewport import seen, window_screenshot

ARTICLE_URL = "/articles/differend-openai-elon-musk-blague-proces"
#: typed in a textarea: Chromium sends the line break as CRLF
BODY = "Merci pour cet article.\nLa suite du procès m’intéresse."


@pytest.fixture(params=[(1280, 900), (375, 740)], ids=["desktop", "phone"])
def window(request, browser, live_server):
    width, height = request.param
    context = browser.new_context(
        base_url=live_server, viewport={"width": width, "height": height}, locale="fr-FR"
    )
    yield context.new_page(), width
    context.close()


def test_the_moderation_notice_is_shown_where_the_comment_was_posted(
    window, db, live_server, tmp_path
):
    page, width = window
    page.goto(ARTICLE_URL)
    form = page.locator("#comment-form")
    form.get_by_label("Commentaire").fill(BODY)
    form.get_by_label("Nom").fill("Camille")
    form.get_by_label("E-mail").fill("camille@example.org")
    form.get_by_role("button", name="Publier le commentaire").click()

    page.wait_for_url(f"{live_server}{ARTICLE_URL}#comment-posted")
    notice = page.get_by_role("status").filter(has_text="en attente de modération")
    expect(notice).to_have_count(1)  # once, at the form: not repeated at the top of the page
    expect(notice).to_be_visible()
    assert seen(notice), "the notice is outside the window or under the header"
    assert page.evaluate("window.scrollY") > 0
    expect(page.locator(".flashes")).to_have_count(0)
    window_screenshot(page, tmp_path, f"comment-posted-{width}")

    comment = db.session.scalar(db.select(Comment))
    assert comment.body == "Merci pour cet article.\nLa suite du procès m’intéresse."

    page.reload()  # the notice answered that one post; it does not come back
    expect(page.locator("#comment-posted")).to_have_count(0)


def test_a_refused_comment_shows_why_at_the_form_and_keeps_the_text(page, live_server):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(ARTICLE_URL)
    form = page.locator("#comment-form")
    form.get_by_label("Commentaire").fill(BODY)
    form.get_by_label("Nom").fill("Camille")
    form.get_by_role("button", name="Publier le commentaire").click()

    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("Votre commentaire n’a pas été publié")
    assert seen(errors)
    expect(page.locator("#comment-form")).to_contain_text("Indiquez votre adresse e-mail.")
    form = page.locator("#comment-form")
    expect(form.get_by_label("Commentaire")).to_have_value(BODY)
    expect(form.get_by_label("Nom")).to_have_value("Camille")


def test_a_logged_in_customer_comments_without_typing_an_email(page, db, live_server, tmp_path):
    register(page, "camille.martin@example.org")
    page.goto(ARTICLE_URL)
    form = page.locator("#comment-form")
    expect(page.locator("#respond")).to_contain_text(
        "Commenter en tant que camille.martin@example.org."
    )
    expect(form.get_by_label("E-mail")).to_have_count(0)
    expect(form.locator("input[name=email]")).to_have_count(0)
    expect(form.get_by_label("Nom")).to_have_value("")
    form.get_by_label("Commentaire").scroll_into_view_if_needed()
    window_screenshot(page, tmp_path, "comment-form-logged-in")

    form.get_by_label("Commentaire").fill(BODY)
    form.get_by_label("Nom").fill("Camille M.")
    form.get_by_role("button", name="Publier le commentaire").click()
    notice = page.locator("#comment-posted")
    expect(notice).to_contain_text("en attente de modération")
    assert seen(notice)

    comment = db.session.scalar(db.select(Comment))
    assert (comment.author_name, comment.author_email) == (
        "Camille M.",
        "camille.martin@example.org",
    )
