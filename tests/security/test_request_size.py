"""Request size: a huge body is refused with a translated 413 before anything reads it;
long articles still fit, and only an admin's product form may upload a large file."""

import gc
import io

import pytest
import sqlalchemy as sa

from store.articles.models import Article
from store.catalog.models import Product
from tests.conftest import logged_in, visitor

THREE_MB = "x" * (3 * 1024 * 1024)


@pytest.fixture
def collect_spooled_bodies():
    yield
    gc.collect()  # close the test client's spooled bodies while their warnings are ignored


def test_a_huge_form_gets_a_translated_413(app, create_article):
    article = create_article()
    browser = visitor(app)
    for url, field in [
        ("/cart/add", "product_id"),
        (f"/articles/{article.slug}/comments", "body"),
        ("/account/login", "email"),
        ("/search", "q"),
    ]:
        response = browser.post(url, {field: THREE_MB})
        assert response.status_code == 413, url
        assert "Votre envoi est trop volumineux" in response.get_data(as_text=True)


# Werkzeug's test client encodes a multipart body over 500 kB into a temporary file that it
# never closes (only the garbage collector does): a test-client detail, not the app's.
spooled_test_bodies = [
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]


@pytest.mark.usefixtures("collect_spooled_bodies")
@spooled_test_bodies[0]
@spooled_test_bodies[1]
def test_a_huge_multipart_upload_is_refused_for_anyone_but_an_admin(app, make_user):
    customer = logged_in(app, make_user("curieux@example.org"))
    for browser in (visitor(app), customer):
        upload = {"name": "Gros", "file": (io.BytesIO(b"%PDF-" + b"0" * 3_000_000), "a.pdf")}
        response = browser.post("/admin/products/new", upload, content_type="multipart/form-data")
        assert response.status_code == 413


@pytest.mark.usefixtures("collect_spooled_bodies")
@spooled_test_bodies[0]
@spooled_test_bodies[1]
def test_an_admin_uploads_a_file_larger_than_a_form(app, db, make_user):
    admin = logged_in(app, make_user("patron@example.org", admin=True))
    pdf = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF\n"
    response = admin.post(
        "/admin/products/new",
        {
            "name": "Le gros guide",
            "price": "9",
            "currency": "EUR",
            "billing": "one_time",
            "position": "1",
            "grants_download": "y",
            "file": (io.BytesIO(pdf), "gros-guide.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Product.file_size)) == len(pdf)


def test_a_long_article_still_fits(app, db, make_user):
    admin = logged_in(app, make_user("patron@example.org", admin=True))
    body = "Un paragraphe accentué, été comme hiver.\n\n" * 4_500  # ~190,000 characters
    response = admin.post(
        "/admin/articles/new",
        {"title": "Très long", "new_category": "Actualités", "body": body, "offer_id": "0"},
    )
    assert response.status_code == 303
    assert len(db.session.scalar(sa.select(Article.body))) == len(body)


def chunked(data: bytes, content_type: str, **headers) -> dict:
    """Client arguments for a body sent in chunks, as a WSGI server hands it over: no
    Content-Length, and an input the server itself ends (gunicorn, Werkzeug's server)."""
    return {
        "input_stream": io.BytesIO(data),
        "content_type": content_type,
        "headers": {"Transfer-Encoding": "chunked", **headers},
        "environ_overrides": {"wsgi.input_terminated": True},
    }


def test_a_chunked_body_over_the_limit_gets_a_413_not_a_cut(app, payments):
    """Werkzeug read a chunked body up to MAX_CONTENT_LENGTH and stopped there without a word:
    the webhook checked the signature of a cut body. One byte more than the limit is a 413,
    whoever reads the body (a form, or the raw bytes)."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    event = b'{"id": "evt_test_big", "type": "customer.created", "data": {"object": {}}, "pad": "'
    for size in (limit - 100, limit + 1, limit + 64 * 1024):
        body = event + b"x" * (size - len(event) - 2) + b'"}'
        assert len(body) == size
        signature = payments.sign(body, payments.webhook_secret)
        response = app.test_client().post(
            "/stripe/webhook",
            **chunked(body, "application/json", **{"Stripe-Signature": signature}),
        )
        assert response.status_code == (200 if size <= limit else 413), size
    form = b"email=" + b"x" * limit
    response = visitor(app).client.post(
        "/account/login", **chunked(form, "application/x-www-form-urlencoded")
    )
    assert response.status_code == 413
