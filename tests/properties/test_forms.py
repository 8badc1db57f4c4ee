"""Whatever a form receives — any text, huge or negative numbers, empty or missing fields,
fields it does not know — the answer is a 2xx, 3xx or 4xx, never a server error.

Each submission starts from a valid one with some fields replaced or left out, so both the
validators and what happens after them (saving, slugs, cart rules, redirects) are exercised.
"""

import itertools

import pytest
import sqlalchemy as sa
from hypothesis import event, example, given
from hypothesis import strategies as st

from store.articles.models import Comment, CommentStatus
from tests.conftest import PASSWORD, visitor
from tests.properties.strategies import (
    FAST,
    SPECIAL_STRINGS,
    datetime_local,
    form,
    id_value,
    next_value,
    text,
    value,
)

PRODUCT = "@product"  # replaced by the id of a product the test created
NUMBERS = itertools.count()


def holds_nul(data) -> bool:
    """Whether a form or query (nested dicts and lists of text) holds a NUL character."""
    if isinstance(data, dict):
        return any(holds_nul(key) or holds_nul(value) for key, value in data.items())
    if isinstance(data, (list, tuple)):
        return any(holds_nul(item) for item in data)
    return "\x00" in str(data)


def answered(response, data, allowed) -> None:
    if holds_nul(data):
        allowed = (*allowed, 400)  # the store refuses any request holding a NUL with a 400
    event(f"answered {response.status_code}")
    assert response.status_code < 500, (response.status_code, data)
    assert response.status_code in allowed, (response.status_code, data)


def fill(data: dict, **values) -> dict:
    return {
        key: values.get(item, item) if isinstance(item, str) else item for key, item in data.items()
    }


@pytest.fixture
def article(create_article):
    return create_article()


@FAST
@given(
    data=form(
        {
            "body": value,
            "name": value,
            "email": st.one_of(st.emails(), value),
            "website": st.one_of(st.sampled_from(["https://example.org", "http://x.y/a"]), value),
            "nickname": value,
        },
        valid={
            "body": "Très bon article.",
            "name": "Camille",
            "email": "camille@example.org",
            "website": "https://example.org",
        },
    )
)
def test_the_comment_form_answers_any_input(app, article, data):
    response = visitor(app).post(f"/articles/{article.slug}/comments", data)
    answered(response, data, (303, 400))


@FAST
@given(
    data=form(
        {
            "email": st.one_of(st.emails(), value),
            "password": value,
            "confirm": value,
            "next": next_value,
        },
        valid={"email": "nouveau@example.org", "password": PASSWORD, "confirm": PASSWORD},
    ),
    query=st.one_of(st.just({}), st.fixed_dictionaries({"next": next_value})),
)
def test_registration_answers_any_input(app, data, query):
    if data.get("email") == "nouveau@example.org":  # one new account per example
        data["email"] = f"nouveau{next(NUMBERS)}@example.org"
    response = visitor(app).post("/account/register", data, query_string=query)
    answered(response, data, (303, 400))


@FAST
@given(
    data=form(
        {
            "email": st.one_of(st.emails(), value),
            "password": value,
            "remember": st.one_of(st.sampled_from(["y", "1", "on"]), value),
            "next": next_value,
        },
        valid={"email": "client@example.org", "password": PASSWORD},
    ),
    query=st.one_of(st.just({}), st.fixed_dictionaries({"next": next_value})),
)
def test_login_answers_any_input(app, customer, data, query):
    response = visitor(app).post("/account/login", data, query_string=query)
    answered(response, data, (303, 400))


@pytest.fixture
def guide(create_product):
    return create_product(name="Guide")


@FAST
@given(
    action=st.sampled_from(["add", "update", "remove", "clear"]),
    data=form(
        {"product_id": id_value, "quantity": value, "next": next_value},
        valid={"product_id": PRODUCT, "quantity": "1"},
    ),
    query=st.one_of(st.just({}), st.fixed_dictionaries({"next": next_value})),
    prefill=st.booleans(),
)
def test_the_cart_endpoints_answer_any_input(app, guide, action, data, query, prefill):
    data = fill(data, **{PRODUCT: str(guide.id)})
    browser = visitor(app)
    if prefill:
        browser.post("/cart/add", {"product_id": guide.id, "quantity": 2})
    response = browser.post(f"/cart/{action}", data, query_string=query)
    answered(response, {"form": data, "query": query}, (303, 404))
    assert browser.client.get("/cart").status_code == 200


PRODUCT_FORM = {
    "name": "Guide",
    "price": "7",
    "currency": "EUR",
    "billing": "one_time",
    "active": "y",
    "position": "0",
}


@FAST
@given(
    data=form(
        {
            "name": value,
            "slug": st.one_of(st.sampled_from(["acces-gpt-4", "guide", "a--b", "-a"]), value),
            "short_description": value,
            "description": value,
            "headline": value,
            "price": st.one_of(st.sampled_from(["7,00", "1 234,56", "999999,99", "-7"]), value),
            "currency": st.one_of(st.sampled_from(["USD", "GBP", "CHF"]), value),
            "billing": st.one_of(st.sampled_from(["month", "year"]), value),
            "active": value,
            "position": value,
            "featured": value,
        },
        valid=PRODUCT_FORM,
    ),
    edit=st.booleans(),
)
@example(data=PRODUCT_FORM, edit=False)
def test_the_admin_product_form_answers_any_input(app, admin, guide, data, edit):
    url = f"/admin/products/{guide.id}" if edit else "/admin/products/new"
    answered(admin.post(url, data), data, (303, 400))


ARTICLE_FORM = {
    "title": "GPT-5 : ce que l’on sait",
    "category_id": "",
    "new_category": "",
    "excerpt": "Le résumé.",
    "body": "Premier paragraphe.\n\n## Intertitre",
    "offer_id": "0",
    "published_at": "2024-01-01T10:00",
}


@FAST
@given(
    data=form(
        {
            "title": value,
            "slug": st.one_of(st.sampled_from(["gpt-5", "article-1", "x"]), value),
            "category_id": st.one_of(st.sampled_from(["", "1"]), value),
            "new_category": st.one_of(
                st.sampled_from(["Actualités", "actualités", "Neuve"]), value
            ),
            "excerpt": value,
            "body": value,
            "offer_id": st.one_of(st.just(PRODUCT), value),
            "published_at": datetime_local,
            "preview": value,
            "subscribers_only": value,
            "access_product_ids": st.lists(st.one_of(st.just(PRODUCT), id_value), max_size=3),
        },
        valid=ARTICLE_FORM,
    ),
    edit=st.booleans(),
)
@example(data=ARTICLE_FORM, edit=False)
def test_the_admin_article_form_answers_any_input(app, admin, article, guide, data, edit):
    data = fill(data, **{PRODUCT: str(guide.id)})
    if "access_product_ids" in data:
        data["access_product_ids"] = [
            str(guide.id) if item == PRODUCT else item for item in data["access_product_ids"]
        ]
    if edit:  # a browser always sends the field; leaving it out is the pinned bug below
        data.setdefault("category_id", "")
    url = f"/admin/articles/{article.id}" if edit else "/admin/articles/new"
    answered(admin.post(url, data), data, (200, 303, 400))


def test_a_publication_date_in_year_one_is_refused(admin):
    data = {**ARTICLE_FORM, "published_at": "0001-01-01T00:00"}
    assert admin.post("/admin/articles/new", data).status_code in (303, 400)


def test_editing_an_article_without_the_category_field_is_answered(admin, article):
    data = {key: item for key, item in ARTICLE_FORM.items() if key != "category_id"}
    assert admin.post(f"/admin/articles/{article.id}", data).status_code in (303, 400)


@FAST
@given(
    data=form(
        {
            "action": st.one_of(st.sampled_from(["spam", "pending", "delete"]), value),
            "ids": st.lists(st.one_of(st.sampled_from(["1", "2", "3"]), id_value), max_size=5),
            "status": st.one_of(st.sampled_from(["approved", "spam"]), value),
            "confirmed": st.one_of(st.just("yes"), value),
        },
        valid={"action": "approve", "ids": ["1", "2"], "status": "pending"},
    )
)
def test_comment_moderation_answers_any_input(app, db, admin, create_article, create_comment, data):
    if db.session.scalar(sa.select(sa.func.count(Comment.id))) < 3:
        article = create_article()
        for _ in range(3):
            create_comment(article, status=CommentStatus.PENDING)
    db.session.rollback()  # hold no lock while the requests run
    answered(admin.post("/admin/comments/moderate", data), data, (200, 303))


@FAST
@given(
    data=form(
        {
            "action": st.one_of(st.sampled_from(["spam", "pending", "delete"]), value),
            "status": st.one_of(st.sampled_from(["approved", "spam"]), value),
            "page": st.one_of(st.sampled_from(["2", "0", "-1"]), value),
            "confirmed": st.one_of(st.just("yes"), value),
        },
        valid={"action": "approve", "status": "pending", "page": "1"},
    ),
    comment=st.sampled_from(["1", "2", "999999"]),
)
def test_one_comment_moderation_answers_any_input(
    db, admin, create_article, create_comment, data, comment
):
    if db.session.scalar(sa.select(sa.func.count(Comment.id))) < 2:
        article = create_article()
        for _ in range(2):
            create_comment(article, status=CommentStatus.PENDING)
    db.session.rollback()  # hold no lock while the requests run
    url = f"/admin/comments/{comment}/moderate"
    answered(admin.post(url, data), data, (200, 303))


@FAST
@given(
    url=st.sampled_from(
        [
            "/admin/products",
            "/admin/articles",
            "/admin/orders",
            "/admin/subscriptions",
            "/admin/comments",
            "/",
            "/search",
        ]
    ),
    # any text, or a page number within 32 bits (beyond is the pinned overflow bug)
    query=st.dictionaries(
        st.sampled_from(["q", "status", "page"]),
        st.one_of(text, st.sampled_from(SPECIAL_STRINGS), id_value),
    ),
)
def test_every_list_answers_any_filter(admin, url, query):
    answered(admin.client.get(url, query_string=query), query, (200, 404))


@FAST
@given(
    data=form({"lang": value, "next": next_value}, valid={"lang": "en", "next": "/shop"}),
    settings_data=form(
        {"grace_period_days": value, "vat_rate": value},
        valid={"grace_period_days": "7", "vat_rate": "20"},
    ),
)
def test_the_language_switch_and_the_settings_answer_any_input(app, admin, data, settings_data):
    answered(visitor(app).post("/language", data), data, (303,))
    answered(admin.post("/admin/settings", settings_data), settings_data, (303, 400))
