"""What customers are mailed about their account and their money: each message queued with its
cause, once, in the customer's language, and received by a real SMTP server."""

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_datetime

from store.accounts import tokens
from store.accounts.models import User
from store.catalog.models import Billing
from store.mail.models import OutboxMessage
from store.mail.sender import send_due
from store.mail.services import render_message
from store.orders.models import Order, OrderLine, OrderMode, OrderStatus
from store.settings.services import grace_period_days
from store.subscriptions.models import Subscription
from tests.conftest import CHECKOUT_CONSENT, PASSWORD, logged_in, visitor

LINK = re.compile(r"https?://\S+")


def queued(db, kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def links(message) -> list[str]:
    return LINK.findall(text_of(message))


def register(browser, email: str, *, lang: str = "fr") -> User:
    prefix = "" if lang == "fr" else f"/{lang}"  # the page's language is in its URL
    response = browser.post(
        f"{prefix}/account/register", {"email": email, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 303
    return browser


def checkout(browser, product, *, prefix: str = "") -> str:
    """Add the product, press "Pay with Stripe" (on the pages under `prefix`, "/en" for
    English); returns the Checkout Session id."""
    browser.post(f"{prefix}/cart/add", {"product_id": product.id})
    response = browser.post(f"{prefix}/checkout", CHECKOUT_CONSENT)
    assert response.status_code == 303
    return urlsplit(response.headers["Location"]).path.rsplit("/", 1)[-1]


# --- email confirmation -------------------------------------------------------------------


def confirm_link(smtp_server, email: str) -> str:
    [message] = smtp_server.to(email)
    return next(link for link in links(message) if "/account/email/confirm/" in link)


def test_registration_mails_a_link_that_confirms_the_address(app, db, smtp_server):
    browser = register(visitor(app), "lea@example.org")
    page = browser.client.get("/account").get_data(as_text=True)
    assert "Adresse non confirmée" in page and "Renvoyer le lien" in page

    assert send_due() == 1
    [message] = smtp_server.to("lea@example.org")
    assert message["Subject"] == "Confirmez votre adresse e-mail"
    assert "Le lien est valable 7 jours" in text_of(message)
    link = confirm_link(smtp_server, "lea@example.org")
    assert link.startswith("http://localhost/account/email/confirm/")
    assert f'href="{link}"' in html_of(message)

    response = browser.client.get(urlsplit(link).path)
    assert response.status_code == 303
    page = browser.client.get("/account").get_data(as_text=True)
    assert "Merci : votre adresse e-mail est confirmée." in page
    assert "Adresse non confirmée" not in page
    assert db.session.scalar(sa.select(User.email_confirmed_at)) is not None

    # The same link again, from another browser that is not logged in: clearly said, no error.
    other = visitor(app).client
    response = other.get(urlsplit(link).path, follow_redirects=True)
    assert response.status_code == 200
    assert "Votre adresse e-mail était déjà confirmée." in response.get_data(as_text=True)


def test_admin_sees_which_addresses_are_confirmed(app, db, admin, make_user):
    make_user("pending@example.org")
    confirmed = make_user("done@example.org")
    confirmed.email_confirmed_at = confirmed.created_at
    db.session.commit()
    rows = admin.client.get("/admin/customers").get_data(as_text=True)
    pending_row = rows[rows.index("pending@example.org") :].split("</tr>")[0]
    done_row = rows[rows.index("done@example.org") :].split("</tr>")[0]
    assert "Non confirmée" in pending_row and "Confirmée" not in pending_row
    assert "Confirmée" in done_row
    page = admin.client.get(f"/admin/customers/{confirmed.id}").get_data(as_text=True)
    assert "Confirmée" in page


@pytest.mark.parametrize("case", ["forged", "cut", "expired", "address changed", "no account"])
def test_a_bad_confirmation_link_says_so_and_confirms_nothing(
    app, db, make_user, case, monkeypatch
):
    user = make_user("lea@example.org")
    with app.test_request_context():
        token = tokens.make_token("email-confirm", {"user": user.id, "email": user.email})
        if case == "forged":
            token = tokens.make_token("password-reset", {"user": user.id, "email": user.email})
        elif case == "cut":
            token = token[:-6]
        elif case == "no account":
            token = tokens.make_token("email-confirm", {"user": user.id + 1, "email": user.email})
    if case == "address changed":
        user.email = "new@example.org"
        db.session.commit()
    if case == "expired":
        later = time.time() + 8 * 24 * 3600
        monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    browser = logged_in(app, user)
    response = browser.client.get(f"/account/email/confirm/{token}", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    expected = "a expiré" if case == "expired" else "n’est pas valable"
    assert f"Ce lien de confirmation {expected}" in page
    assert "Adresse non confirmée" in page
    db.session.expire_all()
    assert db.session.get(User, user.id).email_confirmed_at is None


def test_resending_mails_a_new_link_each_time_within_a_limit(app, db, smtp_server, monkeypatch):
    app.config["EMAIL_CONFIRM_RESEND_LIMIT"] = "2 per hour"
    browser = register(visitor(app), "lea@example.org")
    for _ in range(2):
        response = browser.post("/account/email/confirm")
        assert response.status_code == 303
    assert browser.post("/account/email/confirm").status_code == 429
    assert len({m.key for m in queued(db, "email_confirm")}) == 3
    assert send_due() == 3
    assert len(smtp_server.to("lea@example.org")) == 3
    # Any of them works; the address is confirmed once.
    browser.client.get(urlsplit(links(smtp_server.messages[-1])[0]).path)
    page = browser.client.get("/account").get_data(as_text=True)
    assert "Adresse non confirmée" not in page


def test_the_confirmation_is_written_in_the_customers_language(app, db, smtp_server):
    register(visitor(app), "sam@example.org", lang="en")
    send_due()
    [message] = smtp_server.to("sam@example.org")
    assert message["Subject"] == "Confirm your email address"
    assert "The link works for 7 days" in text_of(message)


# --- order confirmation ---------------------------------------------------------------------


@pytest.fixture
def guide(create_product):
    return create_product(
        name="Guide PDF",
        price_cents=1900,
        billing=Billing.ONE_TIME,
        grants_download=True,
        file_key="k" * 32,
        file_name="guide.pdf",
        file_size=1000,
    )


@pytest.fixture
def offer(create_product):
    return create_product(
        name="Accès à GPT 4",
        price_cents=700,
        billing=Billing.MONTHLY,
        grants_articles=True,
        grants_access_key=True,
    )


def test_a_paid_order_is_confirmed_once_whatever_the_deliveries_and_visits(
    app, db, payments, smtp_server, send_events, guide
):
    browser = register(visitor(app), "lea@example.org")
    session_id = checkout(browser, guide)
    events = payments.complete_checkout(session_id)  # the session, then its invoice
    for _ in range(3):
        assert [r.status_code for r in send_events(events)] == [200, 200]
    for _ in range(2):
        assert browser.client.get(f"/checkout/success?session_id={session_id}").status_code == 200
    # Stripe may also send the same news as another event (a new id): still one message.
    again = dict(events[0], id="evt_redelivered")
    assert [r.status_code for r in send_events([again])] == [200]

    order = db.session.scalar(sa.select(Order))
    assert [m.key for m in queued(db, "order_paid")] == [f"order-paid:{order.number}"]
    send_due()
    send_due()
    [message] = [m for m in smtp_server.to("lea@example.org") if order.number in m["Subject"]]
    assert message["Subject"] == f"Votre commande {order.number} est confirmée"
    text = text_of(message)
    assert "1 × Guide PDF – 19,00\u00a0€" in text
    assert "Total payé : 19,00\u00a0€" in text
    assert "Le fichier guide.pdf : téléchargez-le depuis votre compte (5 fois au plus)." in text
    assert f"http://localhost/account/orders/{order.number}" in text
    assert "http://localhost/account#purchases" in text
    # A one-time payment has its Stripe invoice too (Checkout's invoice_creation).
    invoice = payments.get(payments.get(session_id)["invoice"])
    assert f"Votre facture Stripe : {invoice['hosted_invoice_url']}" in text
    assert "réservés aux abonnés" not in text  # the guide opens no article
    assert all(
        link.startswith("http://localhost/") or link == invoice["hosted_invoice_url"]
        for link in links(message)
    )
    assert 'href="http://localhost/account#purchases"' in html_of(message)


def test_a_subscription_order_is_confirmed_in_english_with_stripes_invoice(
    app, db, payments, smtp_server, send_events, offer
):
    browser = register(visitor(app), "sam@example.org", lang="en")
    session_id = checkout(browser, offer, prefix="/en")
    events = payments.complete_checkout(session_id)
    send_events(events)
    browser.client.get(f"/en/checkout/success?session_id={session_id}")
    send_events(events)
    [queued_message] = queued(db, "order_paid")
    send_due()
    order = db.session.scalar(sa.select(Order))
    [message] = [m for m in smtp_server.to("sam@example.org") if order.number in m["Subject"]]
    assert message["Subject"] == f"Your order {order.number} is confirmed"
    text = text_of(message)
    assert "1 × Accès à GPT 4 – €7.00 / month" in text
    assert "Articles reserved for subscribers: read them on the site" in text
    assert "An access key for Accès à GPT 4: your account page shows it in full once" in text
    assert "It renews automatically" in text
    # the links lead to the English pages, though Stripe's webhook (French URL) queued it
    assert "Subscriber articles: http://localhost/en/\n" in text
    invoice_id = db.session.scalar(sa.select(Subscription)).stripe_subscription_id
    invoice = payments.get(payments.get(invoice_id)["latest_invoice"])
    assert f"Your invoice from Stripe: {invoice['hosted_invoice_url']}" in text
    assert f'href="{invoice["hosted_invoice_url"]}"' in html_of(message)


def test_an_order_is_confirmed_even_when_stripe_hides_the_invoice(
    app, db, payments, smtp_server, send_events, offer
):
    browser = register(visitor(app), "lea@example.org")
    session_id = checkout(browser, offer)
    events = payments.complete_checkout(session_id)
    payments.fail_next("GET", "/v1/invoices/", status=500)
    assert [r.status_code for r in send_events(events)] == [200, 200, 200]
    [message] = queued(db, "order_paid")
    assert "facture Stripe" not in message.text_body


def test_a_delayed_payment_is_confirmed_when_it_settles_not_before(
    app, db, payments, send_events, offer
):
    browser = register(visitor(app), "lea@example.org")
    session_id = checkout(browser, offer)
    send_events(payments.complete_checkout(session_id, async_payment=True))
    browser.client.get(f"/checkout/success?session_id={session_id}")
    assert queued(db, "order_paid") == []
    send_events(payments.async_payment_result(session_id, succeeded=True))
    assert len(queued(db, "order_paid")) == 1


# --- subscription life ---------------------------------------------------------------------


@pytest.fixture
def subscribed(app, db, payments, send_events, offer):
    """Léa, logged in, subscribed and paid up; returns (browser, Stripe subscription id)."""
    browser = register(visitor(app), "lea@example.org")
    send_events(payments.complete_checkout(checkout(browser, offer)))
    return browser, db.session.scalar(sa.select(Subscription.stripe_subscription_id))


def test_a_failed_renewal_warns_once_per_invoice_with_the_grace_period(
    app, db, payments, smtp_server, send_events, subscribed
):
    browser, sub_id = subscribed
    failed = payments.fail_payment(sub_id)
    send_events(failed)
    send_events(failed)  # redelivered
    send_events(payments.fail_payment(sub_id))  # Stripe's retry of the same invoice fails too
    invoice_id = payments.get(sub_id)["latest_invoice"]
    assert [m.key for m in queued(db, "payment_failed")] == [f"payment-failed:{invoice_id}"]
    send_due()
    [message] = [m for m in smtp_server.to("lea@example.org") if "échoué" in m["Subject"]]
    assert message["Subject"] == "Le paiement de votre abonnement a échoué"
    text = text_of(message)
    assert "Le dernier paiement de votre abonnement « Accès à GPT 4 » a échoué." in text
    subscription = db.session.scalar(sa.select(Subscription))
    with app.test_request_context(), force_locale("fr"):
        grace_end = subscription.past_due_since + timedelta(days=grace_period_days())
        day = format_datetime(grace_end, "d MMMM y")
    assert f"Votre accès continue jusqu’au {day} ;" in text
    # The button leads to the account page, where the portal opens with a POST.
    assert "Mettre à jour mon moyen de paiement :\nhttp://localhost/account\n" in text
    assert 'href="http://localhost/account"' in html_of(message)
    assert 'action="/account/billing-portal"' in browser.client.get("/account").get_data(
        as_text=True
    )


def test_cancelling_then_ending_sends_one_message_each(
    app, db, payments, smtp_server, send_events, subscribed
):
    _, sub_id = subscribed
    cancelled = payments.cancel_at_period_end(sub_id)
    send_events(cancelled)
    send_events(cancelled)
    send_events([dict(cancelled[0], id="evt_again")])  # another event, same state
    [message] = queued(db, "subscription_cancelled")
    assert message.key.startswith(f"subscription-cancelled:{sub_id}:")
    assert "Vous gardez votre accès jusqu’au" in message.text_body
    assert queued(db, "subscription_ended") == []

    ended = payments.delete_subscription(sub_id)
    send_events(ended)
    send_events([dict(ended[0], id="evt_ended_again")])
    assert [m.key for m in queued(db, "subscription_ended")] == [f"subscription-ended:{sub_id}"]
    assert len(queued(db, "subscription_cancelled")) == 1
    send_due()
    subjects = [m["Subject"] for m in smtp_server.to("lea@example.org")]
    assert subjects.count("Votre abonnement est résilié") == 1
    assert subjects.count("Votre abonnement est terminé") == 1


def test_a_renewal_sends_no_cancellation_nor_end(db, payments, send_events, subscribed):
    _, sub_id = subscribed
    send_events(payments.renew(sub_id))
    assert queued(db, "subscription_cancelled") == []
    assert queued(db, "subscription_ended") == []


# --- every template, in both languages -----------------------------------------------------


def test_every_message_renders_in_french_and_english_without_raw_codes(
    app, db, make_user, guide, offer
):
    user = make_user()
    order = Order(
        number="GA-TEST2345",
        user_id=user.id,
        email=user.email,
        status=OrderStatus.PAID,
        currency="EUR",
        total_cents=2600,
        mode=OrderMode.SUBSCRIPTION,
        lines=[
            OrderLine(
                product=offer,
                title=offer.name,
                unit_price_cents=700,
                currency="EUR",
                interval=offer.interval,
                quantity=1,
            ),
            OrderLine(
                product=guide,
                title=guide.name,
                unit_price_cents=1900,
                currency="EUR",
                quantity=1,
            ),
        ],
    )
    db.session.add(order)
    db.session.commit()
    when = datetime(2027, 3, 14, 12, tzinfo=UTC)
    contexts = {
        "email_confirm": {"days": 7},
        "order_paid": {
            "order": order,
            "receipt_url": "https://invoice.stripe.com/i/x",
            "order_url": "http://localhost/account/orders/GA-TEST2345",
            "account_url": "http://localhost/account#purchases",
            "subscriber_articles_url": "http://localhost/",
            "download_limit": 5,
        },
        "payment_failed": {"name": "Accès", "grace_end": when},
        "subscription_cancelled": {"name": "Accès", "access_until": when},
        "subscription_ended": {"name": "Accès"},
    }
    with app.test_request_context():
        for template, context in contexts.items():
            rendered = {
                locale: render_message(
                    template, locale, action_url="http://localhost/x", action_label="Go", **context
                )
                for locale in ("fr", "en")
            }
            assert rendered["fr"][0] != rendered["en"][0], template
            for subject, text, html in rendered.values():
                for part in (subject, text, html):
                    assert "None" not in part and "{{" not in part and "%(" not in part
                    assert "_" not in subject
            if when in context.values():
                assert "14 mars 2027" in rendered["fr"][1] and "14 March 2027" in rendered["en"][1]
