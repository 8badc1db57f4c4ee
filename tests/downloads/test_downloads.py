"""Files sold as downloads: the admin's upload, the buyer's links from /account, and every way
a link stops (limit, expiry, another customer, refund, failed payment, ended subscription)."""

import io
import re
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from store.accounts.models import User
from store.catalog.models import Billing, Product
from store.downloads import services as downloads
from store.orders.models import Order, OrderStatus
from store.subscriptions.models import Subscription
from tests.conftest import CHECKOUT_CONSENT, Forms

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
DOWNLOAD_LI = re.compile(r'<li class="grant grant-download">(.*?)</li>', re.DOTALL)
LINK = re.compile(r'href="(/downloads/[^"]+)"')
LEFT = re.compile(r"·\s*(\d+)\s")


def pdf(label: str) -> bytes:
    """A small PDF whose bytes tell it apart from the others."""
    return PDF.replace(b"/Catalog", f"/Catalog /Title ({label})".encode())


def epub() -> bytes:
    """A minimal EPUB: a ZIP whose first entry, stored, is its mimetype."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("META-INF/container.xml", "<container/>")
    return buffer.getvalue()


def stored_files(app) -> list[Path]:
    folder = Path(app.config["DOWNLOADS_FOLDER"])
    return sorted(folder.iterdir()) if folder.exists() else []


# --- the admin's upload ---------------------------------------------------------------------


def product_data(**overrides):
    return {
        "name": "Guide des prompts",
        "slug": "",
        "short_description": "Le guide en PDF.",
        "description": "",
        "headline": "",
        "price": "19",
        "currency": "EUR",
        "billing": Billing.ONE_TIME.value,
        "active": "y",
        "position": "1",
        "grants_download": "y",
        **overrides,
    }


def upload(forms, url, data: bytes, filename: str, **overrides):
    """Post the product form with a file, as the browser does (multipart)."""
    fields = product_data(file=(io.BytesIO(data), filename), **overrides)
    return forms.post(url, fields, content_type="multipart/form-data")


def the_product(db) -> Product | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Product))


def test_an_uploaded_pdf_is_kept_out_of_reach_under_a_random_name(app, db, client, forms, admin):
    data = pdf("v2")
    response = upload(forms, "/admin/products/new", data, "Mon guide (v2) ../../x.pdf")
    assert response.status_code == 303

    product = the_product(db)
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", product.file_key)
    assert (product.file_size, product.file_type) == (len(data), "application/pdf")
    assert stored_files(app) == [Path(app.config["DOWNLOADS_FOLDER"]) / product.file_key]
    assert (Path(app.config["DOWNLOADS_FOLDER"]) / product.file_key).read_bytes() == data
    # Nothing was written where the web server serves files from.
    static = Path(app.static_folder)
    assert not [p for p in static.rglob("*") if p.is_file() and p.read_bytes() == data]

    # The name the buyer gets keeps no path, no parenthesis, no "..", and says PDF.
    assert product.file_name == "Mon_guide_v2_x.pdf"

    # Neither the stored name nor a guess leads to the file.
    assert client.get(f"/static/{product.file_key}").status_code == 404
    assert client.get(f"/static/../{product.file_key}").status_code == 404
    assert client.get(f"/downloads/{product.file_key}").status_code == 404
    assert client.get("/downloads/x.pdf").status_code == 404


@pytest.mark.parametrize("app_config", [{"DOWNLOAD_MAX_BYTES": 1_000}], ids=["max-1000-bytes"])
@pytest.mark.parametrize(
    "data, filename",
    [
        (HTML, "guide.pdf"),
        (b"", "guide.pdf"),
        (pdf("big") + b"%" * 1_000, "guide.pdf"),
        (b"PK\x03\x04 not really a zip", "guide.zip"),
    ],
    ids=["html-named-pdf", "empty", "too-large", "broken-zip"],
)
def test_a_file_that_cannot_be_sold_is_refused_and_nothing_is_stored(
    app, db, forms, admin, data, filename
):
    response = upload(forms, "/admin/products/new", data, filename)
    assert response.status_code == 400
    assert 'enctype="multipart/form-data"' in response.get_data(as_text=True)
    assert the_product(db) is None
    assert stored_files(app) == []


def test_a_refused_replacement_keeps_the_file_on_sale(app, db, forms, admin):
    upload(forms, "/admin/products/new", pdf("v1"), "guide.pdf")
    product = the_product(db)
    first_key = product.file_key

    response = upload(forms, f"/admin/products/{product.id}", HTML, "guide-v2.pdf")
    assert response.status_code == 400
    product = the_product(db)
    assert (product.file_key, product.file_name) == (first_key, "guide.pdf")
    assert [p.name for p in stored_files(app)] == [first_key]


def test_an_epub_is_recognised_from_its_content(app, db, forms, admin):
    data = epub()
    response = upload(forms, "/admin/products/new", data, "Mon livre.EPUB")
    assert response.status_code == 303
    product = the_product(db)
    assert product.file_type == "application/epub+zip"
    assert product.file_key.endswith(".epub")
    assert product.file_name == "Mon_livre.epub"


def test_a_pdf_uploaded_under_another_name_is_sold_as_a_pdf(app, db, forms, admin):
    response = upload(forms, "/admin/products/new", pdf("renamed"), "guide.epub")
    assert response.status_code == 303
    product = the_product(db)
    assert (product.file_type, product.file_name) == ("application/pdf", "guide.pdf")


def test_a_new_upload_replaces_the_file_and_deletes_the_old_one(app, db, forms, admin):
    upload(forms, "/admin/products/new", pdf("v1"), "guide.pdf")
    product = the_product(db)
    old_key = product.file_key

    response = upload(forms, f"/admin/products/{product.id}", pdf("v2"), "guide-v2.pdf")
    assert response.status_code == 303
    product = the_product(db)
    assert product.file_key != old_key
    assert product.file_name == "guide-v2.pdf"
    assert [p.name for p in stored_files(app)] == [product.file_key]
    assert (Path(app.config["DOWNLOADS_FOLDER"]) / product.file_key).read_bytes() == pdf("v2")


def test_deleting_a_product_deletes_its_file(app, db, forms, admin):
    upload(forms, "/admin/products/new", pdf("v1"), "guide.pdf")
    product = the_product(db)
    response = forms.post(f"/admin/products/{product.id}/delete", {"confirmed": "yes"})
    assert response.status_code == 303
    assert the_product(db) is None
    assert stored_files(app) == []


def test_saving_the_form_without_a_new_file_keeps_the_file(app, db, forms, admin):
    upload(forms, "/admin/products/new", pdf("v1"), "guide.pdf")
    product = the_product(db)
    key = product.file_key
    response = forms.post(f"/admin/products/{product.id}", product_data(name="Guide, 2e éd."))
    assert response.status_code == 303
    product = the_product(db)
    assert (product.name, product.file_key) == ("Guide, 2e éd.", key)
    assert [p.name for p in stored_files(app)] == [key]


def test_selling_a_file_without_uploading_one_is_refused(db, forms, admin, create_product):
    response = forms.post("/admin/products/new", product_data())
    assert response.status_code == 400
    assert the_product(db) is None

    existing = create_product(name="Sans fichier")
    response = forms.post(f"/admin/products/{existing.id}", product_data(name="Renommé"))
    assert response.status_code == 400
    db.session.expire_all()
    assert (existing.name, existing.grants_download) == ("Sans fichier", False)


# --- buying and downloading -----------------------------------------------------------------


def with_file(db, product, data: bytes, filename: str = "guide-prompts.pdf") -> Product:
    """Give the product a stored file, as the admin's upload does."""
    product.grants_download = True
    downloads.attach_file(product, downloads.store_file(io.BytesIO(data), filename, product.slug))
    db.session.commit()
    return product


@pytest.fixture
def guide(db, create_product):
    product = create_product(name="Guide PDF", slug="guide-pdf", price_cents=1900)
    return with_file(db, product, pdf("guide"))


@pytest.fixture
def monthly(db, create_product):
    product = create_product(name="Pack mensuel", price_cents=700, billing=Billing.MONTHLY)
    return with_file(db, product, pdf("pack"), "pack.pdf")


def start_checkout(forms, product) -> str:
    """Add the product and press "Pay with Stripe"; returns the Checkout Session id."""
    forms.post("/cart/add", {"product_id": product.id})
    response = forms.post("/checkout", CHECKOUT_CONSENT)
    assert response.status_code == 303
    return urlsplit(response.headers["Location"]).path.rsplit("/", 1)[-1]


def buy(forms, payments, send_events, product) -> str:
    """A whole purchase through the Stripe double, webhooks delivered; the session id."""
    session_id = start_checkout(forms, product)
    assert all(r.status_code == 200 for r in send_events(payments.complete_checkout(session_id)))
    return session_id


def offered(client) -> list[tuple[str | None, int]]:
    """(link or None when greyed out, downloads left) of each file /account offers."""
    page = client.get("/account")
    assert page.status_code == 200
    found = []
    for item in DOWNLOAD_LI.findall(page.get_data(as_text=True)):
        link = LINK.search(item)
        found.append(
            (link.group(1).replace("&amp;", "&") if link else None, int(LEFT.search(item)[1]))
        )
    return found


def fetch(client, url):
    """GET `url` and read the whole body, closing the file as a WSGI server does."""
    with client.get(url) as response:
        response.get_data()
    return response


def only_link(client) -> str:
    [(link, _left)] = offered(client)
    assert link is not None
    return link


def the_order(db) -> Order:
    db.session.expire_all()
    return db.session.scalar(sa.select(Order))


def test_a_buyer_downloads_the_file_from_their_account(
    db, client, forms, payments, send_events, customer, guide
):
    buy(forms, payments, send_events, guide)
    [(link, left)] = offered(client)
    assert left == 5

    response = fetch(client, link)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=guide-prompts.pdf"
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.get_data() == pdf("guide")
    assert [left for _link, left in offered(client)] == [4]


@pytest.mark.parametrize("app_config", [{"DOWNLOAD_LIMIT": 2}], ids=["limit-2"])
def test_the_link_stops_after_the_download_limit(
    db, client, forms, payments, send_events, customer, guide
):
    buy(forms, payments, send_events, guide)
    link = only_link(client)
    assert [fetch(client, link).status_code for _ in range(2)] == [200, 200]

    third = fetch(client, link)
    assert third.status_code == 403
    assert "Content-Disposition" not in third.headers
    assert third.get_data() != pdf("guide")
    # /account says so, and offers no live link any more.
    assert offered(client) == [(None, 0)]


@pytest.mark.parametrize("app_config", [{"DOWNLOAD_LIMIT": 1}], ids=["limit-1"])
def test_asking_for_the_size_first_uses_no_download(
    db, client, forms, payments, send_events, customer, guide
):
    buy(forms, payments, send_events, guide)
    link = only_link(client)
    # Download managers send HEAD before the GET.
    with client.head(link) as head:
        assert head.status_code == 200
        assert head.content_length == len(pdf("guide"))
    assert fetch(client, link).get_data() == pdf("guide")
    assert fetch(client, link).status_code == 403
    with client.head(link) as head:
        assert head.status_code == 403


def test_an_expired_link_sends_the_buyer_back_for_a_fresh_one(
    db, client, forms, payments, send_events, customer, guide, monkeypatch
):
    buy(forms, payments, send_events, guide)
    link = only_link(client)
    later = time.time() + 25 * 3600
    monkeypatch.setattr("itsdangerous.timed.time", SimpleNamespace(time=lambda: later))

    response = fetch(client, link)
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/account"
    assert "Content-Disposition" not in response.headers
    # The expired link used none of the downloads, and the fresh one works.
    [(fresh, left)] = offered(client)
    assert (fresh != link, left) == (True, 5)
    assert fetch(client, fresh).get_data() == pdf("guide")


def test_a_tampered_link_is_not_found(db, client, forms, payments, send_events, customer, guide):
    buy(forms, payments, send_events, guide)
    link = only_link(client)
    payload, _, signature = link.rpartition(".")
    flipped = signature[:-3] + ("A" if signature[-3] != "A" else "B") + signature[-2:]
    for forged in (f"{payload}.{flipped}", link[:-1], link + "x", "/downloads/e30.AAAA.BBBB"):
        assert fetch(client, forged).status_code == 404, forged
    assert [left for _link, left in offered(client)] == [5]


def another_customer(app, email="autre@example.org") -> Forms:
    browser = Forms(app.test_client())
    response = browser.post(
        "/account/register", {"email": email, "password": "12345678", "confirm": "12345678"}
    )
    assert response.status_code == 303
    return browser


def test_another_customer_cannot_use_the_link(
    app, db, client, forms, payments, send_events, customer, guide
):
    buy(forms, payments, send_events, guide)
    link = only_link(client)
    order = the_order(db)

    other = another_customer(app)
    assert fetch(other.client, link).status_code == 404
    # Even a genuine link signed for them, if the order is not theirs.
    other_id = db.session.scalar(sa.select(User.id).filter_by(email="autre@example.org"))
    with app.test_request_context():
        theirs = downloads.download_url(order.id, guide.id, other_id)
    assert fetch(other.client, theirs).status_code == 404
    assert [left for _link, left in offered(client)] == [5]


def test_an_anonymous_visitor_is_sent_to_log_in(
    app, db, client, forms, payments, send_events, customer, guide
):
    buy(forms, payments, send_events, guide)
    link = only_link(client)
    response = app.test_client().get(link)
    assert response.status_code in (302, 303)
    assert urlsplit(response.headers["Location"]).path == "/account/login"
    assert "Content-Disposition" not in response.headers


def test_a_refunded_order_gives_the_file_no_more(
    db, client, forms, payments, send_events, customer, guide
):
    session_id = buy(forms, payments, send_events, guide)
    link = only_link(client)
    assert fetch(client, link).status_code == 200

    assert [r.status_code for r in send_events(payments.refund(session_id))] == [200]
    assert the_order(db).status is OrderStatus.REFUNDED
    response = fetch(client, link)
    assert response.status_code == 403
    assert "Content-Disposition" not in response.headers
    assert offered(client) == []


def test_a_partial_refund_keeps_the_file(db, client, forms, payments, send_events, customer, guide):
    session_id = buy(forms, payments, send_events, guide)
    send_events(payments.refund(session_id, amount=500))
    assert the_order(db).status is OrderStatus.PAID
    assert fetch(client, only_link(client)).status_code == 200


@pytest.mark.parametrize("case", ["pending", "payment-failed"])
def test_an_unpaid_order_gives_no_file(
    app, db, client, forms, payments, send_events, customer, guide, case
):
    session_id = start_checkout(forms, guide)
    if case == "payment-failed":  # a delayed payment (SEPA...) that bounces
        send_events(payments.complete_checkout(session_id, async_payment=True))
        send_events(payments.async_payment_result(session_id, succeeded=False))
    order = the_order(db)
    expected = OrderStatus.PENDING_PAYMENT if case == "pending" else OrderStatus.FAILED
    assert order.status is expected
    assert offered(client) == []
    # A link made for the order anyway (an old page, a guess that passed) is refused.
    with app.test_request_context():
        link = downloads.download_url(order.id, guide.id, order.user_id)
    response = fetch(client, link)
    assert response.status_code == 403
    assert "Content-Disposition" not in response.headers


def test_an_order_whose_checkout_failed_to_start_gives_nothing(
    app, db, client, forms, payments, customer, guide
):
    payments.fail_next("POST", "/v1/checkout/sessions", status=500)
    forms.post("/cart/add", {"product_id": guide.id})
    assert forms.post("/checkout", CHECKOUT_CONSENT).headers["Location"] == "/cart"
    order = the_order(db)
    assert order.status is OrderStatus.FAILED
    assert offered(client) == []
    with app.test_request_context():
        link = downloads.download_url(order.id, guide.id, order.user_id)
    assert fetch(client, link).status_code == 403


def test_a_subscription_gives_the_file_while_it_is_paid_up(
    db, client, forms, payments, send_events, customer, monthly
):
    buy(forms, payments, send_events, monthly)
    link = only_link(client)
    response = fetch(client, link)
    assert response.status_code == 200
    assert response.get_data() == pdf("pack")

    subscription = db.session.scalar(sa.select(Subscription))
    send_events(payments.delete_subscription(subscription.stripe_subscription_id))
    response = fetch(client, link)
    assert response.status_code == 403
    assert "Content-Disposition" not in response.headers
    assert offered(client) == []


@pytest.mark.parametrize("app_config", [{"DOWNLOADS_OFFLOAD": "x-accel-redirect"}], ids=["nginx"])
def test_nginx_sends_the_file_when_asked_to(
    db, client, forms, payments, send_events, customer, guide
):
    buy(forms, payments, send_events, guide)
    response = fetch(client, only_link(client))
    assert response.status_code == 200
    assert response.headers["X-Accel-Redirect"] == f"/protected-downloads/{guide.file_key}"
    assert response.headers["Content-Disposition"] == "attachment; filename=guide-prompts.pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.get_data() == b""
    assert [left for _link, left in offered(client)] == [4]


@pytest.mark.parametrize("app_config", [{"DOWNLOADS_OFFLOAD": "x-sendfile"}], ids=["apache"])
def test_apache_sends_the_file_when_asked_to(
    app, db, client, forms, payments, send_events, customer, guide
):
    buy(forms, payments, send_events, guide)
    response = fetch(client, only_link(client))
    assert response.status_code == 200
    path = Path(response.headers["X-Sendfile"])
    assert path.is_absolute()
    assert path == (Path(app.config["DOWNLOADS_FOLDER"]) / guide.file_key).resolve()
    assert path.read_bytes() == pdf("guide")
    assert response.get_data() == b""
    assert [left for _link, left in offered(client)] == [4]


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_guide_is_a_real_pdf(app, seeded):
    product = seeded.session.scalar(sa.select(Product).filter_by(slug="guide-prompts-gpt-4"))
    assert product.has_file
    assert (product.file_type, product.file_name) == ("application/pdf", "guide-prompts-gpt-4.pdf")
    data = (Path(app.config["DOWNLOADS_FOLDER"]) / product.file_key).read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert product.file_size == len(data)
