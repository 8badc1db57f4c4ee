"""Self-service on /account: forgotten password, password and email changes, data export and
account deletion."""

import json
import re
import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from store.access.models import AccessKey
from store.accounts.models import User
from store.articles.models import Comment
from store.catalog.models import Billing
from store.mail.models import OutboxMessage
from store.mail.sender import send_due
from store.orders.models import Order
from store.payments.models import Customer, Payment
from store.subscriptions.models import Subscription, SubscriptionStatus
from tests.conftest import PASSWORD, logged_in, login, visitor
from tests.security.test_idor import checkout

NEW_PASSWORD = "un tout nouveau mot de passe"
LINK = re.compile(r"http://localhost((?:/en)?/account/[^\s\"<]+)")


def outbox(db, to: str, kind: str) -> list[OutboxMessage]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.to_address == to, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
    )


def mailed_link(db, to: str, kind: str) -> str:
    """The path of the link in the latest `kind` message to `to`."""
    message = outbox(db, to, kind)[-1]
    return LINK.search(message.text_body).group(1)


def ask_reset(browser, email: str, **kwargs):
    return browser.post("/account/password/forgot", {"email": email}, **kwargs)


# --- forgotten password ----------------------------------------------------------------------


def test_forgot_password_answers_the_same_whether_the_account_exists_or_not(app, db, make_user):
    make_user("claire@example.org")
    answers = []
    for email in ("claire@example.org", "personne@example.org"):
        browser = visitor(app)
        response = ask_reset(browser, email)
        assert response.status_code == 303
        page = browser.client.get(response.headers["Location"]).get_data(as_text=True)
        # The page without what differs for every visitor (CSRF token, script nonce).
        page = re.sub(r'(value|nonce)="[^"]+"', "", page.replace(email, "EMAIL"))
        answers.append((response.headers["Location"], page))
    assert answers[0] == answers[1]
    assert "un lien pour choisir un nouveau mot de passe y a été envoyé" in answers[0][1]
    assert len(outbox(db, "claire@example.org", "password_reset")) == 1
    assert outbox(db, "personne@example.org", "password_reset") == []
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_the_reset_link_sets_a_new_password_logs_in_and_works_once(app, db, make_user):
    user = make_user("claire@example.org")
    elsewhere = logged_in(app, user)
    browser = visitor(app)
    ask_reset(browser, "Claire@Example.org ")
    link = mailed_link(db, "claire@example.org", "password_reset")

    form = browser.client.get(link)
    assert form.status_code == 200
    assert '<meta name="referrer" content="no-referrer">' in form.get_data(as_text=True)
    assert "Choisir un nouveau mot de passe" in form.get_data(as_text=True)
    done = browser.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert done.headers["Location"] == "/account"
    account = browser.client.get("/account")
    assert account.status_code == 200
    assert "Votre nouveau mot de passe est enregistré" in account.get_data(as_text=True)

    assert elsewhere.client.get("/account").status_code == 302  # other sessions ended
    old = visitor(app).post("/account/login", {"email": user.email, "password": PASSWORD})
    assert old.status_code == 400
    login(visitor(app), user, NEW_PASSWORD)

    again = visitor(app).client.get(link)
    assert again.status_code == 400
    assert "Ce lien a expiré ou a déjà servi" in again.get_data(as_text=True)
    assert 'href="/account/password/forgot"' in again.get_data(as_text=True)
    reuse = visitor(app).post(link, {"password": "encore un autre", "confirm": "encore un autre"})
    assert reuse.status_code == 400
    db.session.rollback()
    assert db.session.get(User, user.id).check_password(NEW_PASSWORD)


def test_a_password_change_voids_a_pending_reset_link(app, db, make_user):
    user = make_user("claire@example.org")
    ask_reset(visitor(app), user.email)
    link = mailed_link(db, user.email, "password_reset")
    logged_in(app, user).post(
        "/account/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert visitor(app).client.get(link).status_code == 400


def test_the_owner_is_told_of_every_password_change(app, db, make_user):
    """Changed on /account or through a reset link, the account's address gets a notice with a
    way back in; a wrong current password sends nothing."""
    user = make_user("claire@example.org")
    browser = logged_in(app, user)
    wrong = browser.post(
        "/account/password",
        {"current": "pas le bon", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert outbox(db, user.email, "password_changed") == []

    browser.post(
        "/account/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    (notice,) = outbox(db, user.email, "password_changed")
    assert notice.subject == "Votre mot de passe sur GPT Actu a été modifié"
    assert "http://localhost/account/password/forgot" in notice.text_body
    assert "Si ce n’était pas vous" in notice.text_body

    ask_reset(visitor(app), user.email)
    link = mailed_link(db, user.email, "password_reset")
    visitor(app).post(link, {"password": "encore un autre", "confirm": "encore un autre"})
    assert len(outbox(db, user.email, "password_changed")) == 2


def test_the_reset_link_expires_after_an_hour(app, db, make_user, monkeypatch):
    user = make_user("claire@example.org")
    # The link is made 61 minutes ago.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3660)
    ask_reset(visitor(app), user.email)
    monkeypatch.undo()
    link = mailed_link(db, user.email, "password_reset")
    response = visitor(app).client.get(link)
    assert response.status_code == 400
    assert "Ce lien ne fonctionne plus" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "token",
    ["garbage", "a" * 5000, "eyJ1c2VyIjoxfQ.ZZZZ.YYYY", "%C3%A9", "..%2F"],
)
def test_malformed_reset_tokens_get_the_clear_page(app, db, make_user, token):
    make_user("claire@example.org")
    browser = visitor(app)
    for response in (
        browser.client.get(f"/account/password/reset/{token}"),
        browser.post(f"/account/password/reset/{token}", {"password": "x" * 300}),
    ):
        assert response.status_code in (400, 404)
        if response.status_code == 400:
            assert "Ce lien ne fonctionne plus" in response.get_data(as_text=True)


def test_a_tampered_or_other_purpose_token_is_refused(app, db, make_user):
    user = make_user("claire@example.org")
    ask_reset(visitor(app), user.email)
    link = mailed_link(db, user.email, "password_reset")
    payload, _, signature = link.rpartition("/")[2].partition(".")
    tampered = f"{link[: -len(link.rpartition('/')[2])]}{payload[:-2]}xx.{signature}"
    assert visitor(app).client.get(tampered).status_code == 400
    # An email-change link of the same account is not a reset link.
    browser = logged_in(app, user)
    browser.post("/account/email", {"email": "claire@new.example", "current": PASSWORD})
    token = mailed_link(db, "claire@new.example", "email_change_confirm").rpartition("/")[2]
    assert visitor(app).client.get(f"/account/password/reset/{token}").status_code == 400


def test_reset_requests_are_limited_per_address_and_per_client(app, db, make_user):
    make_user("claire@example.org")
    app.config.update(
        PASSWORD_RESET_LIMIT_PER_EMAIL="2 per hour", PASSWORD_RESET_LIMIT="3 per hour"
    )
    # One address, from several clients: the third request is refused.
    for number, expected in ((1, 303), (2, 303), (3, 429)):
        browser = visitor(app)
        response = ask_reset(
            browser, "claire@example.org", environ_base={"REMOTE_ADDR": f"10.0.0.{number}"}
        )
        assert response.status_code == expected
    # One message per request, but two requests within the same second make the same link:
    # one message then (a double click mails once).
    assert len(outbox(db, "claire@example.org", "password_reset")) in (1, 2)
    # One client, several addresses: the fourth request is refused.
    browser = visitor(app)
    statuses = [
        ask_reset(
            browser, f"autre{n}@example.org", environ_base={"REMOTE_ADDR": "10.0.1.1"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [303, 303, 303, 429]


def test_the_reset_message_arrives_in_the_customers_language(app, db, make_user, smtp_server):
    user = make_user("claire@example.org")
    user.locale = "en"
    db.session.commit()
    ask_reset(visitor(app), user.email)
    send_due()
    (message,) = smtp_server.to("claire@example.org")
    assert message["Subject"] == "Choose a new password for GPT Actu"
    text = message.get_body(("plain",)).get_content()
    assert "within one hour" in text
    # the link opens the page in English too
    assert LINK.search(text).group(1).startswith("/en/account/password/reset/")


# --- email change ----------------------------------------------------------------------------


def test_an_email_change_takes_effect_only_from_the_link(app, db, make_user):
    user = make_user("claire@example.org")
    browser = logged_in(app, user)
    response = browser.post(
        "/account/email", {"email": " Claire@New.Example ", "current": PASSWORD}
    )
    assert response.status_code == 303
    (notice,) = outbox(db, "claire@example.org", "email_change_notice")
    assert "claire@new.example" in notice.text_body
    assert db.session.get(User, user.id).email == "claire@example.org"  # not yet
    link = mailed_link(db, "claire@new.example", "email_change_confirm")

    # Opening the link changes nothing (mail scanners open links); the button does.
    page = visitor(app).client.get(link)
    assert page.status_code == 200
    assert "claire@new.example" in page.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(User, user.id).email == "claire@example.org"
    confirmed = browser.post(link)
    assert confirmed.status_code == 303
    db.session.rollback()
    assert db.session.get(User, user.id).email == "claire@new.example"
    # following the link proved the new address: no "not confirmed" banner for it
    assert db.session.get(User, user.id).email_confirmed_at is not None
    account = browser.client.get("/account").get_data(as_text=True)
    assert "claire@new.example" in account
    assert "Adresse non confirmée" not in account
    assert visitor(app).post(link).status_code == 400  # once
    login(visitor(app), db.session.get(User, user.id))


@pytest.mark.parametrize("stripe_fails", [False, True])
def test_a_customer_s_new_address_reaches_stripe(
    app, db, subscriber, payments, stripe_fails, caplog
):
    """Receipts and invoices follow the account's address; if Stripe cannot be told, the
    address changes anyway and the log says which Stripe customer kept the old one."""
    user, browser = subscriber
    (customer,) = db.session.scalars(sa.select(Customer).where(Customer.user_id == user.id))
    browser.post("/account/email", {"email": "hortense@new.example", "current": PASSWORD})
    link = mailed_link(db, "hortense@new.example", "email_change_confirm")
    if stripe_fails:
        payments.fail_next("POST", "/v1/customers/", status=500)
    assert browser.post(link).status_code == 303
    db.session.rollback()
    assert db.session.get(User, user.id).email == "hortense@new.example"
    stripe_email = payments.get(customer.stripe_customer_id)["email"]
    if stripe_fails:
        assert stripe_email == "hortense@example.org"
        assert f"Stripe customer {customer.stripe_customer_id} keeps the old email" in caplog.text
    else:
        assert stripe_email == "hortense@new.example"


def test_a_password_change_stops_a_pending_email_change(app, db, make_user):
    """What the notice to the old address promises, if someone else asked for the change."""
    user = make_user("claire@example.org")
    browser = logged_in(app, user)
    browser.post("/account/email", {"email": "intrus@example.org", "current": PASSWORD})
    link = mailed_link(db, "intrus@example.org", "email_change_confirm")
    browser.post(
        "/account/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert visitor(app).post(link).status_code == 400
    db.session.rollback()
    assert db.session.get(User, user.id).email == "claire@example.org"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"email": "claire@new.example", "current": "pas le bon"}, "Mot de passe incorrect."),
        ({"email": "pris@example.org", "current": PASSWORD}, "Un autre compte utilise"),
        ({"email": "claire@example.org", "current": PASSWORD}, "C’est déjà votre adresse."),
        ({"email": "pas-un-email", "current": PASSWORD}, "Indiquez une adresse e-mail valide."),
        ({"email": "x" * 300 + "@example.org", "current": PASSWORD}, "Changer mon adresse"),
    ],
)
def test_a_refused_email_change_says_why_and_sends_nothing(app, db, make_user, fields, message):
    make_user("pris@example.org")
    browser = logged_in(app, make_user("claire@example.org"))
    response = browser.post("/account/email", fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert outbox(db, "claire@example.org", "email_change_notice") == []


def test_an_email_change_link_fails_when_the_address_was_taken_meanwhile(app, db, make_user):
    user = make_user("claire@example.org")
    logged_in(app, user).post(
        "/account/email", {"email": "claire@new.example", "current": PASSWORD}
    )
    link = mailed_link(db, "claire@new.example", "email_change_confirm")
    make_user("claire@new.example")
    response = visitor(app).post(link)
    assert response.status_code == 400
    assert "Un autre compte utilise désormais cette adresse" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(User, user.id).email == "claire@example.org"


# --- export and deletion ---------------------------------------------------------------------

NAME = "Hortense Quillivic"


@pytest.fixture
def subscriber(app, db, payments, make_user, create_product, create_article, send_events):
    """Hortense: a paid subscription that gives an access key, a comment and a pending mail."""
    offer = create_product(
        name="Accès à GPT 4", billing=Billing.MONTHLY, grants_access_key=True, grants_articles=True
    )
    user = make_user("hortense@example.org")
    make_user("admin@example.org", admin=True)  # told of her comment: a message with her name
    browser = logged_in(app, user)
    send_events(payments.complete_checkout(checkout(browser, offer, payments)))
    assert browser.client.get("/account").status_code == 200  # issues the access key
    article = create_article()
    response = browser.post(
        f"/articles/{article.slug}/comments",
        {"name": NAME, "email": "ignored@example.org", "body": "Merci pour cet article."},
    )
    assert response.status_code == 303
    ask_reset(visitor(app), user.email)
    db.session.rollback()
    return user, browser


def test_export_holds_the_account_and_everything_tied_to_it(app, db, subscriber):
    user, browser = subscriber
    response = browser.client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "hortense@example.org"
    assert data["account"]["language"] == "fr"
    assert data["account"]["created_at"]
    (order,) = data["orders"]
    assert order["status"] == "paid"
    assert order["lines"][0]["title"] == "Accès à GPT 4"
    assert order["lines"][0]["interval"] == "month"
    assert order["downloads"] == []
    (subscription,) = data["subscriptions"]
    assert subscription["status"] == "active"
    assert subscription["order"] == order["number"]
    assert [p["status"] for p in data["payments"]] == ["paid"]
    assert data["payments"][0]["amount_cents"] == order["total_cents"]
    (comment,) = data["comments"]
    assert (comment["name"], comment["body"]) == (NAME, "Merci pour cet article.")
    (key,) = data["access_keys"]
    assert key["key"].endswith("…") and key["product"] == "Accès à GPT 4"
    # The secret itself is nowhere in the file (only its hash is stored anyway).
    row = db.session.scalar(sa.select(AccessKey))
    assert row.key_hash not in response.get_data(as_text=True)
    assert len(key["key"]) <= len(row.prefix) + 1


def test_export_needs_a_login(client):
    assert client.get("/account/export").status_code == 302


def text_values_holding(db, needles: list[str]) -> list[tuple[str, str]]:
    """Every (table.column, value) of any text column holding one of `needles`."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum):
                for needle in needles:
                    for value in db.session.scalars(
                        sa.select(column).where(sa.func.lower(column).contains(needle.lower()))
                    ):
                        found.append((f"{table.name}.{column.name}", value))
    return found


def test_deleting_the_account_erases_the_person_and_keeps_the_accounting(
    app, db, payments, subscriber, send_events
):
    user, browser = subscriber
    needles = ["hortense@example.org", NAME]
    assert text_values_holding(db, needles)  # the scan finds them before
    sub_id = db.session.scalar(sa.select(Subscription.stripe_subscription_id))
    orders_before = db.session.scalar(sa.select(sa.func.count(Order.id)))
    payments_before = db.session.scalar(sa.select(sa.func.count(Payment.id)))

    page = browser.client.get("/account/delete").get_data(as_text=True)
    assert "L123-22" in page
    response = browser.post("/account/delete", {"current": PASSWORD})
    assert response.status_code == 303
    told = browser.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Votre compte est supprimé." in told
    assert "dix ans" in told and "L123-22" in told

    assert payments.get(sub_id)["status"] == "canceled"
    assert payments.last("DELETE", f"/v1/subscriptions/{sub_id}").status == 200
    db.session.rollback()
    assert text_values_holding(db, needles) == []
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == orders_before
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == payments_before
    order = db.session.scalar(sa.select(Order))
    assert order.user_id is None and order.email.endswith("@invalid")
    assert db.session.scalar(sa.select(Subscription)).status is SubscriptionStatus.CANCELED
    assert db.session.scalars(sa.select(User.email)).all() == ["admin@example.org"]
    for model in (AccessKey, Customer, Comment, OutboxMessage):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
    # Stripe then tells the store the subscription ended: nobody is left to write to.
    ended = [e for e in payments.events if e["type"] == "customer.subscription.deleted"]
    assert [response.status_code for response in send_events(ended)] == [200]
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    assert browser.client.get("/account").status_code == 302  # logged out
    gone = visitor(app).post(
        "/account/login", {"email": "hortense@example.org", "password": PASSWORD}
    )
    assert gone.status_code == 400


def whole_state(db) -> dict:
    db.session.rollback()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
        for table in db.metadata.sorted_tables
    }


def test_a_wrong_password_deletes_nothing(app, db, payments, subscriber):
    user, browser = subscriber
    before = whole_state(db)
    requests_before = len(payments.requests)
    response = browser.post("/account/delete", {"current": "pas le bon"})
    assert response.status_code == 400
    assert "Mot de passe incorrect. Rien n’a été supprimé." in response.get_data(as_text=True)
    assert whole_state(db) == before
    assert len(payments.requests) == requests_before
    assert browser.client.get("/account").status_code == 200


def test_when_stripe_cannot_cancel_nothing_is_deleted(app, db, payments, subscriber):
    user, browser = subscriber
    before = whole_state(db)
    payments.fail_next("DELETE", "/v1/subscriptions/", status=500, times=3)
    payments.fail_next("GET", "/v1/subscriptions/", status=500, times=3)
    response = browser.post("/account/delete", {"current": PASSWORD})
    assert response.status_code == 400
    assert "rien n’a donc été supprimé" in response.get_data(as_text=True)
    assert whole_state(db) == before
    assert browser.client.get("/account").status_code == 200


def test_an_admin_account_cannot_be_deleted_from_the_account_page(app, db, make_user):
    admin = make_user("patron@example.org", admin=True)
    response = logged_in(app, admin).post("/account/delete", {"current": PASSWORD})
    assert response.status_code == 400
    assert "Un compte administrateur ne peut pas être supprimé ici." in response.get_data(
        as_text=True
    )
    assert db.session.get(User, admin.id) is not None


@pytest.mark.parametrize("url", ["/account/password", "/account/email", "/account/delete"])
def test_forms_that_ask_for_the_password_stop_guessing(app, db, make_user, url):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per minute"
    browser = logged_in(app, make_user("guess@example.org"))
    statuses = [browser.post(url, {"current": f"wrong {n}"}).status_code for n in range(3)]
    assert statuses == [400, 400, 429]
    assert db.session.scalar(sa.select(User.email)) == "guess@example.org"  # nothing changed
