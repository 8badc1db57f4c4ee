"""Two requests at once that store the same unique row: the second never gets a 500.

A double click, a second tab, or Stripe's webhook arriving while the customer comes back from
Stripe: each request checks that the row is missing, then inserts it, and the slower one meets
the unique constraint. Each race is played the same way on SQLite and PostgreSQL: the other
request runs whole, and is stored, right before the first write of the request under test (the
moment a real race leaves: after its checks, before its writes).

Every unique constraint of the schema is either raced here or said unreachable by a visitor
(with why), so a constraint added later fails the first test until it is one or the other.
"""

import contextlib
import io
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from store.access.models import AccessKey
from store.accounts.models import User
from store.articles.models import Article
from store.catalog.models import Billing
from store.downloads import services as downloads
from store.downloads.models import DownloadCount
from store.mail.models import OutboxMessage
from store.orders.models import Order, OrderStatus
from store.payments.models import Customer, Payment
from store.subscriptions.models import Subscription
from tests.conftest import CHECKOUT_CONSENT, PASSWORD, logged_in, visitor

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

#: (table, columns) → the test below that races it
RACED = {
    ("user_account", ("email",)): "test_registering_twice_at_once",
    ("customer_order", ("pending_key",)): "test_paying_twice_at_once",
    ("customer_order", ("number",)): "test_paying_twice_at_once",
    ("stripe_customer", ("user_id",)): "test_coming_back_from_stripe_as_the_webhook_arrives",
    ("stripe_customer", ("stripe_customer_id",)): (
        "test_coming_back_from_stripe_as_the_webhook_arrives"
    ),
    ("payment", ("stripe_id",)): "test_coming_back_from_stripe_as_the_webhook_arrives",
    ("subscription", ("stripe_subscription_id",)): (
        "test_coming_back_from_stripe_as_the_webhook_arrives"
    ),
    ("access_key", ("live_for",)): "test_regenerating_a_key_twice_at_once",
    ("download_count", ("order_id", "product_id")): "test_downloading_twice_at_once",
    ("outbox_message", ("key",)): "test_asking_for_a_password_reset_twice_at_once",
}
#: (table, columns) → why no visitor's request can race on it
NOT_A_VISITORS = {
    ("customer_order", ("stripe_checkout_session_id",)): (
        "set once, by the request that created the order, from Stripe's answer"
    ),
    ("access_key", ("key_hash",)): "a hash of 256 random bits",
    ("webhook_event", ("stripe_event_id",)): (
        "Stripe's deliveries only; tests/checkout/test_webhook_concurrency.py races them"
    ),
    ("category", ("slug",)): "back office only (the generic 409 page answers an admin)",
    ("article", ("slug",)): "back office only (the generic 409 page answers an admin)",
    ("product", ("slug",)): "back office only (the generic 409 page answers an admin)",
    ("product", ("featured",)): "back office only (the generic 409 page answers an admin)",
    ("legal_page", ("kind", "locale")): "back office only (the generic 409 page answers an admin)",
}


@pytest.fixture
def app_config():
    # A crash is answered with the 500 page, as in production, so that the status is read.
    return {"PROPAGATE_EXCEPTIONS": False, "RATELIMIT_ENABLED": False}


def unique_constraints(metadata) -> set[tuple[str, tuple[str, ...]]]:
    found = set()
    for table in metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                found.add((table.name, tuple(column.name for column in constraint.columns)))
        for index in table.indexes:
            if index.unique:
                found.add((table.name, tuple(column.name for column in index.columns)))
    return found


def test_every_unique_constraint_is_raced_or_said_unreachable(db):
    assert unique_constraints(db.metadata) == set(RACED) | set(NOT_A_VISITORS)
    assert set(RACED.values()) <= set(globals())


@contextlib.contextmanager
def meanwhile(db, other_request: Callable[[], object]):
    """Run `other_request` (whole, stored) right before the next write any request makes."""
    state = {"ran": False}

    def before_write(conn, cursor, statement, parameters, context, executemany):
        if state["ran"] or not re.match(r"\s*(INSERT|UPDATE|DELETE)\b", statement, re.I):
            return
        state["ran"] = True
        other_request()

    sa.event.listen(db.engine, "before_cursor_execute", before_write)
    try:
        yield state
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_write)
    assert state["ran"], "the request under test wrote nothing: no race was played"


def count(db, model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def register(browser, email: str):
    return browser.post(
        "/account/register", {"email": email, "password": PASSWORD, "confirm": PASSWORD}
    )


def test_registering_twice_at_once(app, db):
    slow, quick = visitor(app), visitor(app)
    slow.token(), quick.token()
    with meanwhile(db, lambda: register(quick, "double@example.org")):
        response = register(slow, "double@example.org")
    assert response.status_code == 400
    assert "Un compte utilise déjà cette adresse" in response.get_data(as_text=True)
    assert count(db, User) == 1


def test_confirming_an_email_change_as_another_account_takes_the_address(app, db, make_user):
    user = make_user("ancienne@example.org")
    browser = logged_in(app, user)
    browser.post("/account/email", {"email": "convoitee@example.org", "current": PASSWORD})
    db.session.rollback()
    message = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == "convoitee@example.org")
    ).one()
    link = re.search(r"http://localhost(/account/email/change/[^\s\"<]+)", message.text_body)
    other = visitor(app)
    other.token()
    with meanwhile(db, lambda: register(other, "convoitee@example.org")):
        response = browser.post(link.group(1))
    assert response.status_code == 400
    assert "Un autre compte utilise désormais cette adresse" in response.get_data(as_text=True)
    assert count(db, User, User.email == "ancienne@example.org") == 1


def test_paying_twice_at_once(app, db, payments, make_user, guide):
    """Two clicks on "Payer": one order, one Checkout Session, both sent to it."""
    user = make_user("client@example.org")
    first, second = logged_in(app, user), logged_in(app, user)
    for browser in (first, second):
        browser.post("/cart/add", {"product_id": guide.id})
    clicks = {}
    with meanwhile(db, lambda: clicks.update(first=first.post("/checkout", CHECKOUT_CONSENT))):
        clicks["second"] = second.post("/checkout", CHECKOUT_CONSENT)
    assert [clicks[name].status_code for name in ("first", "second")] == [303, 303]
    assert clicks["first"].headers["Location"] == clicks["second"].headers["Location"]
    assert count(db, Order) == 1


@pytest.fixture
def offer(create_product):
    return create_product(
        name="Accès à GPT 4", billing=Billing.MONTHLY, grants_access_key=True, price_cents=700
    )


def start_paying(app, db, payments, user, product) -> tuple:
    browser = logged_in(app, user)
    browser.post("/cart/add", {"product_id": product.id})
    location = browser.post("/checkout", CHECKOUT_CONSENT).headers["Location"]
    return browser, location.rsplit("/", 1)[-1]


def test_coming_back_from_stripe_as_the_webhook_arrives(
    app, db, payments, make_user, offer, send_events
):
    """The customer's return page and Stripe's webhook fulfil the same session at once: one
    customer, one subscription, one payment, and the return page shows the order paid."""
    user = make_user("client@example.org")
    browser, session_id = start_paying(app, db, payments, user, offer)
    events = payments.complete_checkout(session_id)
    with meanwhile(db, lambda: send_events(events)):
        response = browser.client.get(f"/checkout/success?session_id={session_id}")
    assert response.status_code == 200
    assert "Payée" in response.get_data(as_text=True)
    assert (count(db, Customer), count(db, Subscription), count(db, Payment)) == (1, 1, 1)
    assert db.session.scalar(sa.select(Order.status)) is OrderStatus.PAID


def test_regenerating_a_key_twice_at_once(app, db, payments, make_user, offer, send_events):
    user = make_user("client@example.org")
    browser, session_id = start_paying(app, db, payments, user, offer)
    send_events(payments.complete_checkout(session_id))
    browser.client.get("/account")  # the key is issued
    db.session.rollback()
    key_id = db.session.scalar(sa.select(AccessKey.id))
    other_tab = logged_in(app, user)
    with meanwhile(db, lambda: other_tab.post(f"/account/keys/{key_id}/regenerate")):
        response = browser.post(f"/account/keys/{key_id}/regenerate")
    assert response.status_code == 303
    page = browser.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cette clé a déjà été remplacée" in page
    assert count(db, AccessKey, AccessKey.revoked_at.is_(None)) == 1


def test_downloading_twice_at_once(app, db, payments, make_user, create_product, send_events):
    guide = create_product(name="Guide PDF", price_cents=1900, grants_download=True)
    stored = downloads.store_file(io.BytesIO(PDF), "guide.pdf", guide.slug)
    downloads.attach_file(guide, stored)
    db.session.commit()
    user = make_user("client@example.org")
    browser, session_id = start_paying(app, db, payments, user, guide)
    send_events(payments.complete_checkout(session_id))
    page = browser.client.get("/account").get_data(as_text=True)
    link = re.search(r'href="(/downloads/[^"]+)"', page).group(1).replace("&amp;", "&")
    other_tab = logged_in(app, user)
    with meanwhile(db, lambda: other_tab.client.get(link).close()):
        response = browser.client.get(link)
    response.close()
    assert response.status_code == 200
    assert db.session.scalar(sa.select(DownloadCount.downloads)) == 2


def test_asking_for_a_password_reset_twice_at_once(app, db, make_user):
    make_user("oubli@example.org")
    slow, quick = visitor(app), visitor(app)
    slow.token(), quick.token()

    def ask(browser):
        return browser.post("/account/password/forgot", {"email": "oubli@example.org"})

    with meanwhile(db, lambda: ask(quick)):
        response = ask(slow)
    assert response.status_code == 303
    assert count(db, OutboxMessage, OutboxMessage.kind == "password_reset") in (1, 2)


def test_an_admin_creating_the_same_article_twice_at_once_gets_the_conflict_page(
    app, db, make_user
):
    """The back office's races end on the generic answer: a 409 page that says what happened,
    the first article kept."""
    admin = make_user("patron@example.org", admin=True)
    first, second = logged_in(app, admin), logged_in(app, admin)
    article = {
        "title": "Un article",
        "slug": "un-article",
        "excerpt": "Un résumé.",
        "body": "Un paragraphe.",
        "category_id": "",
        "new_category": "Actualités",
        "offer_id": "0",
        "published_at": "2026-01-01T08:00",
    }
    with meanwhile(db, lambda: first.post("/admin/articles/new", article)):
        response = second.post("/admin/articles/new", article)
    assert response.status_code == 409
    assert "Rechargez la page pour voir où en sont les choses" in response.get_data(as_text=True)
    assert count(db, Article) == 1


def test_an_integrity_error_that_is_no_race_is_a_logged_500(app, db, make_user, caplog):
    """Only a unique value stored first by another request is a conflict (409); a NOT NULL
    or foreign-key violation is a bug, answered 500 and logged with its traceback."""
    from sqlalchemy.exc import IntegrityError

    @app.get("/broken-by-a-bug")
    def broken():
        raise IntegrityError("INSERT …", {}, Exception("NOT NULL constraint failed: x.y"))

    response = app.test_client().get("/broken-by-a-bug")
    assert response.status_code == 500
    assert any(record.exc_info for record in caplog.records if record.levelname == "ERROR")
