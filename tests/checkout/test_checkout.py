"""Checkout through the Stripe test double: the whole journey, webhooks, and failures."""

import logging
import re
import threading
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from store.orders.models import Order, OrderStatus
from store.payments.models import Customer, Payment, WebhookEvent
from store.subscriptions.models import Subscription
from tests.conftest import CHECKOUT_CONSENT

WAIVER_FR = (
    "Je demande l’accès immédiat au contenu numérique et je reconnais perdre mon droit de "
    "rétractation de 14 jours dès cet accès."
)
TERMS_FR = "J’ai lu et j’accepte les conditions générales de vente."


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def checkout(forms, product):
    """Add the product and press "Pay with Stripe"; returns the response."""
    forms.post("/cart/add", {"product_id": product.id})
    return forms.post("/checkout", CHECKOUT_CONSENT)


def session_id_of(response) -> str:
    return urlsplit(response.headers["Location"]).path.rsplit("/", 1)[-1]


def test_subscription_journey(db, payments, forms, client, customer, offer, send_events):
    response = checkout(forms, offer)
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{payments.base_url}/pay/cs_test_")

    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert [(line.title, line.unit_price_cents, line.interval) for line in order.lines] == [
        ("Accès à GPT 4", 700, "month")
    ]
    sent = payments.last("POST", "/v1/checkout/sessions")
    assert sent.params == {
        "mode": "subscription",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": "700",
                    "tax_behavior": "inclusive",
                    "product_data": {
                        "name": "Accès à GPT 4",
                        "metadata": {"product_id": str(offer.id)},
                    },
                    "recurring": {"interval": "month"},
                },
                "quantity": "1",
            }
        ],
        "client_reference_id": order.number,
        "metadata": {"order_number": order.number, "order_id": str(order.id)},
        "success_url": "http://localhost/checkout/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": f"http://localhost/checkout/cancel?order={order.number}",
        "locale": "fr",
        "custom_text": {"submit": {"message": WAIVER_FR}},
        "customer_email": customer,
        "subscription_data": {
            "metadata": {"order_number": order.number, "order_id": str(order.id)}
        },
    }
    assert sent.header("Idempotency-Key").startswith(f"checkout-{order.number}-")

    # The customer pays on Stripe's page and comes back.
    session_id = session_id_of(response)
    events = payments.complete_checkout(session_id)
    page = client.get(f"/checkout/success?session_id={session_id}").get_data(as_text=True)
    assert "Merci ! Votre commande est confirmée." in page
    assert order.number in page
    assert 'data-testid="cart-count">0<' in page
    db.session.refresh(order)
    assert order.status is OrderStatus.PAID

    # Stripe's webhooks arrive after the redirect: nothing is counted twice.
    assert [r.status_code for r in send_events(events)] == [200, 200, 200]
    assert count(db, Subscription) == 1
    assert count(db, Customer) == 1
    subscription = db.session.scalar(sa.select(Subscription))
    stripe_sub = payments.get(subscription.stripe_subscription_id)
    period_end = datetime.fromtimestamp(stripe_sub["items"]["data"][0]["current_period_end"], UTC)
    assert subscription.current_period_end == period_end
    assert subscription.product_id == offer.id
    account = client.get("/account").get_data(as_text=True)
    assert "Accès à GPT 4" in account and "Actif" in account
    paris_day = period_end.astimezone(ZoneInfo("Europe/Paris")).day  # dates read in Paris time
    assert f"Actif jusqu’au {paris_day} " in account
    assert "Payée" in account

    # A month later: renewal.
    send_events(payments.renew(subscription.stripe_subscription_id))
    db.session.refresh(subscription)
    assert subscription.current_period_end > period_end
    assert count(db, Payment) == 2

    # The next renewal fails: past due, with a banner that opens the portal.
    send_events(payments.fail_payment(subscription.stripe_subscription_id))
    db.session.refresh(subscription)
    assert subscription.status == "past_due"
    account = client.get("/account").get_data(as_text=True)
    assert "Le dernier paiement de votre abonnement « Accès à GPT 4 » a échoué." in account
    assert 'action="/account/billing-portal"' in account
    failed = db.session.scalars(sa.select(Payment).where(Payment.status == "failed")).all()
    assert len(failed) == 1

    # The customer fixes the card, then cancels at the period end, then it ends.
    send_events(payments.recover_payment(subscription.stripe_subscription_id))
    send_events(payments.cancel_at_period_end(subscription.stripe_subscription_id))
    db.session.refresh(subscription)
    assert subscription.status == "active" and subscription.cancel_at_period_end
    assert "puis se termine (sans renouvellement)" in client.get("/account").get_data(as_text=True)
    send_events(payments.delete_subscription(subscription.stripe_subscription_id))
    db.session.refresh(subscription)
    assert subscription.status == "canceled"
    assert "Terminé" in client.get("/account").get_data(as_text=True)


def test_one_time_purchase_uses_payment_mode(
    db, payments, forms, client, customer, guide, send_events
):
    response = checkout(forms, guide)
    sent = payments.last("POST", "/v1/checkout/sessions")
    assert sent.params["mode"] == "payment"
    assert sent.params["customer_creation"] == "always"
    assert "recurring" not in sent.params["line_items"][0]["price_data"]
    assert "subscription_data" not in sent.params
    events = payments.complete_checkout(session_id_of(response))
    assert [e["type"] for e in events] == ["checkout.session.completed", "invoice.paid"]
    assert [r.status_code for r in send_events(events)] == [200, 200]
    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.PAID
    payment = db.session.scalar(sa.select(Payment))
    assert (payment.amount_cents, payment.status, payment.order_id) == (1900, "paid", order.id)
    assert count(db, Customer) == 1


def test_a_product_with_a_stripe_price_is_sold_by_price_id(db, payments, forms, customer, offer):
    offer.stripe_price_id = "price_existing"
    offer.stripe_price_terms = offer.price_terms
    db.session.commit()
    checkout(forms, offer)
    line = payments.last("POST", "/v1/checkout/sessions").params["line_items"][0]
    assert line == {"price": "price_existing", "quantity": "1"}


def test_a_returning_customer_is_checked_out_as_their_stripe_customer(
    db, payments, forms, client, customer, guide, offer, send_events
):
    first = checkout(forms, guide)
    send_events(payments.complete_checkout(session_id_of(first)))
    known = db.session.scalar(sa.select(Customer.stripe_customer_id))
    assert known.startswith("cus_")
    checkout(forms, offer)
    sent = payments.last("POST", "/v1/checkout/sessions").params
    assert sent["customer"] == known
    assert "customer_email" not in sent


def test_a_double_click_opens_one_session(db, payments, forms, customer, offer):
    forms.post("/cart/add", {"product_id": offer.id})
    first = forms.post("/checkout", CHECKOUT_CONSENT)
    second = forms.post("/checkout", CHECKOUT_CONSENT)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db, Order) == 1
    assert len(payments.list_objects("checkout.session")) == 1


def test_anonymous_checkout_goes_to_login_then_back_to_the_cart(client, forms, payments, offer):
    response = checkout(forms, offer)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/account/login"
    assert parse_qs(location.query)["next"] == ["/cart"]
    assert 'data-testid="cart-count">1<' in client.get("/cart").get_data(as_text=True)


def test_cancel_keeps_the_cart_and_abandons_the_order(db, payments, forms, client, customer, offer):
    checkout(forms, offer)
    order = db.session.scalar(sa.select(Order))
    response = client.get(f"/checkout/cancel?order={order.number}")
    assert response.status_code == 303
    page = client.get("/cart").get_data(as_text=True)
    assert "Paiement annulé." in page
    assert 'data-testid="cart-count">1<' in page
    db.session.refresh(order)
    assert order.status is OrderStatus.ABANDONED


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"status": 402, "error_type": "card_error", "code": "card_declined"},
        {"timeout": True},
        {"without": "url"},
    ],
    ids=["server-error", "card-error", "timeout", "session-without-url"],
)
def test_stripe_failures_keep_the_cart_and_fail_the_order(
    db, payments, forms, client, customer, offer, fault, caplog
):
    payments.timeout_delay = 2
    payments.fail_next("POST", "/v1/checkout/sessions", **fault)
    response = checkout(forms, offer)
    assert response.status_code == 303
    assert response.headers["Location"] == "/cart"
    page = client.get("/cart").get_data(as_text=True)
    order = db.session.scalar(sa.select(Order))
    assert f"Le paiement n’a pas pu démarrer (commande {order.number})" in page
    assert 'data-testid="cart-count">1<' in page
    assert order.status is OrderStatus.FAILED
    assert order.number in caplog.text

    # Stripe is back: the next click works, with a fresh order.
    retry = forms.post("/checkout", CHECKOUT_CONSENT)
    assert retry.headers["Location"].startswith(payments.base_url)
    assert count(db, Order) == 2


def test_forged_or_foreign_session_ids_are_404(db, payments, forms, client, customer, offer):
    response = checkout(forms, offer)
    session_id = session_id_of(response)
    payments.complete_checkout(session_id)
    assert client.get("/checkout/success?session_id=cs_test_forged").status_code == 404
    assert client.get("/checkout/success").status_code == 404

    forms.post("/account/logout")
    forms.post(
        "/account/register",
        {"email": "autre@example.org", "password": "12345678", "confirm": "12345678"},
    )
    assert client.get(f"/checkout/success?session_id={session_id}").status_code == 404
    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.PENDING_PAYMENT


def test_every_event_replayed_is_processed_once(db, payments, forms, customer, offer, send_events):
    response = checkout(forms, offer)
    events = payments.complete_checkout(session_id_of(response))
    sub_id = events[1]["data"]["object"]["id"]
    events += payments.renew(sub_id) + payments.fail_payment(sub_id)
    first = send_events(events)
    assert all(r.get_json() == {"received": True, "duplicate": False} for r in first)
    state = (count(db, WebhookEvent), count(db, Subscription), count(db, Payment))
    replay = send_events(events)
    assert all(r.get_json() == {"received": True, "duplicate": True} for r in replay)
    assert (count(db, WebhookEvent), count(db, Subscription), count(db, Payment)) == state
    assert state == (len(events), 1, 3)


def final_state(db):
    order = db.session.scalar(sa.select(Order))
    subscription = db.session.scalar(sa.select(Subscription))
    payments = sorted(
        (p.stripe_id, p.status.value, p.amount_cents)
        for p in db.session.scalars(sa.select(Payment))
    )
    return (
        order.status,
        subscription.status,
        subscription.current_period_end,
        subscription.cancel_at_period_end,
        payments,
    )


def test_out_of_order_delivery_gives_the_in_order_state(
    db, payments, forms, customer, offer, send_events
):
    response = checkout(forms, offer)
    events = payments.complete_checkout(session_id_of(response))
    sub_id = events[1]["data"]["object"]["id"]
    events += payments.renew(sub_id) + payments.fail_payment(sub_id)
    events += payments.cancel_at_period_end(sub_id)
    send_events(events)
    in_order = final_state(db)

    # The same story delivered backwards to a fresh database gives the same state.
    for model in (WebhookEvent, Payment, Subscription, Customer):
        db.session.execute(sa.delete(model))
    order = db.session.scalar(sa.select(Order))
    order.status, order.paid_at = OrderStatus.PENDING_PAYMENT, None
    order.stripe_subscription_id = None
    db.session.commit()
    assert all(r.status_code == 200 for r in send_events(list(reversed(events))))
    assert final_state(db) == in_order


def test_the_same_event_from_many_threads_is_applied_once(
    app, db, payments, forms, customer, offer
):
    response = checkout(forms, offer)
    events = payments.complete_checkout(session_id_of(response))
    payload = payments.event_payload(events[0])
    headers = {
        "Stripe-Signature": payments.sign(payload, payments.webhook_secret),
        "Content-Type": "application/json",
    }
    statuses = []
    barrier = threading.Barrier(6)

    def deliver():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/stripe/webhook", data=payload, headers=headers).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert statuses == [200] * 6
    assert count(db, WebhookEvent) == 1
    assert count(db, Subscription) == 1
    assert db.session.scalar(sa.select(Order)).status is OrderStatus.PAID


@pytest.mark.parametrize(
    "case",
    ["no-signature", "bad-signature", "wrong-secret", "malformed-json", "no-secret", "nul"],
)
def test_bad_webhooks_are_refused_and_write_nothing(app, db, client, payments, case):
    event = {"id": "evt_test_1", "type": "invoice.paid", "data": {"object": {"id": "in_1"}}}
    payload = payments.event_payload(event)
    headers = {"Stripe-Signature": payments.sign(payload, payments.webhook_secret)}
    if case == "no-signature":
        headers = {}
    elif case == "bad-signature":
        headers["Stripe-Signature"] = "t=1,v1=deadbeef"
    elif case == "wrong-secret":
        headers["Stripe-Signature"] = payments.sign(payload, "whsec_other")
    elif case == "malformed-json":
        payload = b"{not json"
        headers["Stripe-Signature"] = payments.sign(payload, payments.webhook_secret)
    elif case == "no-secret":
        app.config["STRIPE_WEBHOOK_SECRET"] = ""
    elif case == "nul":  # signed, but no database can store a NUL character
        payload = payments.event_payload({**event, "id": "evt_test_\x00"})
        headers["Stripe-Signature"] = payments.sign(payload, payments.webhook_secret)
    response = client.post("/stripe/webhook", data=payload, headers=headers)
    assert response.status_code == 400
    assert count(db, WebhookEvent) == 0


def test_the_billing_portal_opens_for_the_customers_own_stripe_customer(
    db, payments, forms, client, customer, offer, send_events
):
    assert forms.post("/account/billing-portal").headers["Location"] == "/account"
    response = checkout(forms, offer)
    send_events(payments.complete_checkout(session_id_of(response)))
    portal = forms.post("/account/billing-portal")
    assert portal.status_code == 303
    assert portal.headers["Location"].startswith(f"{payments.base_url}/portal/")
    sent = payments.last("POST", "/v1/billing_portal/sessions").params
    own = db.session.scalar(sa.select(Customer.stripe_customer_id))
    assert sent == {"customer": own, "return_url": "http://localhost/account", "locale": "fr"}

    payments.fail_next("POST", "/v1/billing_portal/sessions", status=500)
    failed = forms.post("/account/billing-portal")
    assert failed.headers["Location"] == "/account"
    assert "portail client de Stripe est injoignable" in client.get("/account").get_data(
        as_text=True
    )


def test_only_a_subscriber_is_offered_to_manage_or_cancel_a_subscription(
    db, payments, forms, client, customer, offer, guide, send_events
):
    button = "Gérer ou résilier mon abonnement"
    send_events(payments.complete_checkout(session_id_of(checkout(forms, guide))))
    page = client.get("/account").get_data(as_text=True)
    assert "Guide PDF" in page and "Aucun abonnement pour le moment." in page
    assert button not in page
    send_events(payments.complete_checkout(session_id_of(checkout(forms, offer))))
    assert button in client.get("/account").get_data(as_text=True)


def checkout_box(page: str) -> str:
    return page.split('class="card checkout-box"')[1].split("</section>")[0]


def test_without_a_stripe_key_shoppers_read_that_payments_are_not_open(
    db, forms, client, customer, offer, caplog
):
    forms.post("/cart/add", {"product_id": offer.id})
    box = checkout_box(client.get("/cart").get_data(as_text=True))
    assert "Les paiements ne sont pas encore ouverts." in box
    # the owner's homework is not the shopper's business
    assert "STRIPE_SECRET_KEY" not in box and "README" not in box
    button = re.search(r"<button[^>]*>Payer avec Stripe</button>", box)
    assert button and re.search(r"\sdisabled[\s>]", button.group(0)), box
    assert 'action="/checkout"' not in box

    # pressed anyway (an old tab, a script): the same plain answer, the cart is kept
    with caplog.at_level(logging.WARNING, logger="store.checkout"):
        response = forms.post("/checkout", CHECKOUT_CONSENT)
    assert response.status_code == 303 and response.headers["Location"] == "/cart"
    page = client.get("/cart").get_data(as_text=True)
    assert "Les paiements ne sont pas encore ouverts. Votre panier est conservé." in page
    assert "STRIPE_SECRET_KEY" not in page
    assert "Accès à GPT 4" in page.split('class="cart-table"')[1]
    assert count(db, Order) == 0
    assert "checkout refused: STRIPE_SECRET_KEY is not set" in caplog.text


def test_without_a_stripe_key_an_anonymous_shopper_is_not_sent_to_log_in_for_nothing(
    forms, client, offer
):
    forms.post("/cart/add", {"product_id": offer.id})
    response = forms.post("/checkout", CHECKOUT_CONSENT)
    assert response.headers["Location"] == "/cart"
    page = client.get("/cart").get_data(as_text=True)
    assert "Les paiements ne sont pas encore ouverts." in page
    assert "Accès à GPT 4" in page.split('class="cart-table"')[1]


def test_the_log_tells_the_owner_at_start_up_that_payments_are_off(tmp_path, caplog):
    from store import create_app

    config = {
        "TESTING": True,
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
    }
    with caplog.at_level(logging.WARNING, logger="store.payments"):
        create_app(config)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "STRIPE_SECRET_KEY is not set" in message and "README.md" in message for message in warnings
    ), warnings

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="store.payments"):
        create_app({**config, "STRIPE_SECRET_KEY": "sk_test_1"})
    assert "STRIPE_SECRET_KEY is not set" not in caplog.text


def test_the_cart_shows_the_test_mode_notice(forms, client, payments, offer):
    forms.post("/cart/add", {"product_id": offer.id})
    assert "Mode test" in client.get("/cart").get_data(as_text=True)


def test_a_live_key_is_refused_at_start_up(tmp_path):
    from store import create_app
    from store.payments.gateway import LiveKeyRefused

    config = {
        "TESTING": True,
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
        "STRIPE_SECRET_KEY": "sk_live_123",
    }
    with pytest.raises(LiveKeyRefused, match="STRIPE_ALLOW_LIVE_KEYS=1"):
        create_app(config)
    assert create_app({**config, "STRIPE_ALLOW_LIVE_KEYS": True}).extensions["stripe_client"]
    assert create_app({**config, "STRIPE_SECRET_KEY": "rk_test_1"}).extensions["stripe_client"]
