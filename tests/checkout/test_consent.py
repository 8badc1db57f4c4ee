"""Paying for digital content needs the immediate-access waiver and the terms of sale ticked."""

import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from store.checkout.consent import CONSENT_VERSION
from store.legal.models import LegalKind
from store.legal.services import save_page
from store.orders.models import Order
from tests.checkout.test_checkout import TERMS_FR, WAIVER_FR
from tests.conftest import CHECKOUT_CONSENT, logged_in

WAIVER_EN = (
    "I ask for immediate access to the digital content and acknowledge that I lose my 14-day "
    "right of withdrawal as soon as I get access."
)


def sessions_created(payments) -> int:
    return sum(r.path == "/v1/checkout/sessions" for r in payments.requests)


def test_the_cart_shows_both_boxes_unticked_and_required(forms, payments, customer, guide):
    forms.post("/cart/add", {"product_id": guide.id})
    page = forms.client.get("/cart").get_data(as_text=True)
    for name, text in [("immediate_access", WAIVER_FR), ("accept_terms", TERMS_FR)]:
        assert f'<input id="{name}" name="{name}" required type="checkbox" value="y">' in page
        assert f'<label for="{name}">{text}</label>' in page
    assert '<a href="/cgv"' in page


@pytest.mark.parametrize(
    ("ticked", "message"),
    [
        ({}, "Cochez la case demandant l’accès immédiat"),
        ({"accept_terms": "y"}, "Cochez la case demandant l’accès immédiat"),
        ({"immediate_access": "y"}, "Cochez la case d’acceptation des conditions générales"),
    ],
)
def test_a_missing_tick_refuses_the_checkout_and_keeps_the_cart(
    db, forms, payments, customer, guide, ticked, message
):
    forms.post("/cart/add", {"product_id": guide.id})
    response = forms.post("/checkout", ticked)
    assert response.status_code == 303
    assert response.headers["Location"] == "/cart"
    cart = forms.client.get("/cart").get_data(as_text=True)
    assert message in cart
    assert "Votre panier est conservé." in cart
    assert "Guide PDF" in cart
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    assert sessions_created(payments) == 0


def test_the_consent_is_stored_on_the_order_and_shown_in_the_back_office(
    app, db, forms, payments, customer, guide, make_user
):
    for text in ("CGV, première version.", "CGV, deuxième version."):
        save_page(LegalKind.CGV, "fr", text)  # the customer accepts version 2
    db.session.commit()
    forms.post("/cart/add", {"product_id": guide.id})
    before = datetime.now(UTC)
    assert forms.post("/checkout", CHECKOUT_CONSENT).status_code == 303
    order = db.session.scalar(sa.select(Order))
    assert order.consent_text == f"{WAIVER_FR}\n{TERMS_FR}"
    assert order.consent_version == f"{CONSENT_VERSION}/cgv-2"
    assert before - timedelta(seconds=1) <= order.consented_at <= datetime.now(UTC)
    sent = payments.last("POST", "/v1/checkout/sessions").params
    assert sent["custom_text"] == {"submit": {"message": WAIVER_FR}}
    assert "consent_collection" not in sent  # off unless the terms URL is set at Stripe

    admin = logged_in(app, make_user("admin@example.org", admin=True))
    page = admin.client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Consentement avant paiement" in page
    assert f"<li>{WAIVER_FR}</li>" in page
    assert f"<li>{TERMS_FR}</li>" in page
    assert f"{CONSENT_VERSION}/cgv-2" in page


def test_an_english_customer_consents_in_english(db, forms, payments, customer, guide):
    forms.post("/en/cart/add", {"product_id": guide.id})
    forms.post("/en/checkout", CHECKOUT_CONSENT)
    order = db.session.scalar(sa.select(Order))
    assert order.consent_text.splitlines()[0] == WAIVER_EN
    sent = payments.last("POST", "/v1/checkout/sessions").params
    assert sent["custom_text"] == {"submit": {"message": WAIVER_EN}}


def test_stripe_requires_the_terms_when_the_setting_is_on(app, forms, payments, customer, guide):
    app.config["STRIPE_TERMS_ACCEPTANCE"] = True
    forms.post("/cart/add", {"product_id": guide.id})
    response = forms.post("/checkout", CHECKOUT_CONSENT)
    assert response.headers["Location"].startswith(f"{payments.base_url}/pay/")
    sent = payments.last("POST", "/v1/checkout/sessions").params
    assert sent["consent_collection"] == {"terms_of_service": "required"}
    # The double's hosted page, like Stripe's, asks for the terms and shows the waiver.
    with urllib.request.urlopen(response.headers["Location"], timeout=5) as answer:  # noqa: S310
        pay_page = answer.read().decode()
    assert 'name="terms_of_service" required' in pay_page
    assert WAIVER_FR in pay_page


def test_an_order_placed_before_the_boxes_says_no_consent_was_recorded(
    app, db, forms, payments, customer, guide, make_user
):
    forms.post("/cart/add", {"product_id": guide.id})
    forms.post("/checkout", CHECKOUT_CONSENT)
    order = db.session.scalar(sa.select(Order))
    order.consent_text = order.consent_version = order.consented_at = None
    db.session.commit()
    admin = logged_in(app, make_user("admin@example.org", admin=True))
    page = admin.client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Aucun consentement enregistré" in page
