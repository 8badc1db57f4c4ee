"""Prices with VAT at Stripe and the invoices of every payment: what is sent to Stripe, what the
store keeps of each invoice, and the links customers and admins follow to it."""

import re
import urllib.request
from html import unescape
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from store.accounts.models import User
from store.mail.models import OutboxMessage
from store.orders.models import Order, OrderMode, OrderStatus
from store.payments import gateway
from store.payments.models import Payment, PaymentStatus
from store.payments.services import invoice_link
from store.settings.services import set_setting
from tests.conftest import CHECKOUT_CONSENT, logged_in


def checkout(forms, product) -> str:
    """Add the product, press "Pay with Stripe"; returns the Checkout Session id."""
    forms.post("/cart/add", {"product_id": product.id})
    response = forms.post("/checkout", CHECKOUT_CONSENT)
    assert response.status_code == 303, response.get_data(as_text=True)
    return urlsplit(response.headers["Location"]).path.rsplit("/", 1)[-1]


def buy(forms, client, payments, product) -> str:
    """Pay for `product` on the double and come back to the success page; the session id."""
    session_id = checkout(forms, product)
    payments.complete_checkout(session_id)
    assert client.get(f"/checkout/success?session_id={session_id}").status_code == 200
    return session_id


def payments_section(page: str) -> str:
    return page.split('id="payments"', 1)[1].split("</section>", 1)[0]


def invoice_hrefs(html: str) -> dict[str, str]:
    """The invoice links of a page: their text ("Facture", "PDF") → their address."""
    return {
        text: unescape(href)
        for href, text in re.findall(
            r'<a href="([^"]*)" class="invoice-(?:link|pdf)"[^>]*>([^<]+)</a>', html
        )
    }


def test_a_one_time_checkout_asks_stripe_for_an_invoice_and_tax_inclusive_prices(
    db, payments, forms, customer, guide
):
    checkout(forms, guide)
    sent = payments.last("POST", "/v1/checkout/sessions").params
    order = db.session.scalar(sa.select(Order))
    assert sent["invoice_creation"] == {
        "enabled": "true",
        "invoice_data": {"metadata": {"order_number": order.number, "order_id": str(order.id)}},
    }
    assert sent["line_items"][0]["price_data"]["tax_behavior"] == "inclusive"
    # Stripe Tax is off by default: no tax computed, no address asked for.
    for name in ("automatic_tax", "billing_address_collection", "customer_update"):
        assert name not in sent


def test_a_subscription_checkout_leaves_invoices_to_the_subscription(
    payments, forms, customer, offer
):
    checkout(forms, offer)
    sent = payments.last("POST", "/v1/checkout/sessions").params
    assert "invoice_creation" not in sent  # Stripe refuses it in subscription mode
    assert sent["line_items"][0]["price_data"]["tax_behavior"] == "inclusive"


def test_with_stripe_tax_on_checkout_computes_the_tax_and_asks_for_the_address(
    db, payments, forms, client, customer, guide
):
    set_setting("stripe_automatic_tax", "1")
    db.session.commit()
    buy(forms, client, payments, guide)  # the first purchase makes the Stripe customer
    first = payments.last("POST", "/v1/checkout/sessions")
    assert first.params["automatic_tax"] == {"enabled": "true"}
    assert first.params["billing_address_collection"] == "required"
    assert "customer_update" not in first.params  # no customer yet: Checkout makes one
    assert first.response["automatic_tax"]["enabled"] is True
    assert first.response["total_details"]["amount_tax"] == 317  # 19 € incl. 20 % VAT

    checkout(forms, guide)
    again = payments.last("POST", "/v1/checkout/sessions").params
    assert again["customer"].startswith("cus_")
    # The address typed on Stripe's page is saved on the customer Stripe Tax reads it from.
    assert again["customer_update"] == {"address": "auto", "name": "auto"}


def test_turning_stripe_tax_on_between_two_clicks_on_pay_still_opens_the_checkout(
    db, payments, forms, customer, guide
):
    checkout(forms, guide)  # the same order and cart again below: only the setting changed
    set_setting("stripe_automatic_tax", "1")
    db.session.commit()
    response = forms.post("/checkout", CHECKOUT_CONSENT)
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{payments.base_url}/pay/")
    assert payments.last("POST", "/v1/checkout/sessions").params["automatic_tax"] == {
        "enabled": "true"
    }


def test_prices_the_store_creates_at_stripe_are_tax_inclusive(app, payments, guide):
    with app.test_request_context():
        guide.stripe_product_id = gateway.upsert_product(guide)
        gateway.create_price(guide)
    assert payments.last("POST", "/v1/prices").params["tax_behavior"] == "inclusive"


def test_a_one_time_payment_keeps_its_invoice_and_the_account_links_it(
    db, payments, forms, client, customer, guide
):
    session_id = buy(forms, client, payments, guide)
    invoice = payments.get(payments.get(session_id)["invoice"])
    assert invoice["billing_reason"] == "manual" and invoice["parent"] is None
    payment = db.session.scalar(sa.select(Payment))
    assert (payment.stripe_id, payment.status, payment.amount_cents) == (session_id, "paid", 1900)
    assert payment.stripe_invoice_id == invoice["id"]
    assert payment.invoice_number == invoice["number"]
    assert payment.hosted_invoice_url == f"{payments.base_url}/invoice/{invoice['id']}"
    assert payment.invoice_pdf_url == f"{payments.base_url}/invoice/{invoice['id']}.pdf"

    section = payments_section(client.get("/account").get_data(as_text=True))
    order = db.session.scalar(sa.select(Order))
    assert "Paiements" in section
    assert order.number in section and "Guide PDF" in section
    assert "19,00\xa0€ TTC" in section
    assert "Encaissé" in section
    assert invoice_hrefs(section) == {
        "Facture": payment.hosted_invoice_url,
        "PDF": payment.invoice_pdf_url,
    }
    # The links lead to Stripe's pages (here the double's): the invoice and a real PDF.
    with urllib.request.urlopen(payment.hosted_invoice_url) as page:  # noqa: S310 (the double)
        assert invoice["number"] in page.read().decode()
    with urllib.request.urlopen(payment.invoice_pdf_url) as pdf:  # noqa: S310
        assert pdf.headers["Content-Type"] == "application/pdf"
        body = pdf.read()
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")


def test_the_invoice_webhook_adds_nothing_twice(db, payments, forms, customer, guide, send_events):
    events = payments.complete_checkout(checkout(forms, guide))
    assert [e["type"] for e in events] == ["checkout.session.completed", "invoice.paid"]
    # Delivered in either order, twice: one payment, with its invoice.
    assert {r.status_code for r in send_events([events[1], events[0], *events])} == {200}
    [payment] = db.session.scalars(sa.select(Payment))
    assert payment.stripe_invoice_id == events[1]["data"]["object"]["id"]
    assert payment.hosted_invoice_url and payment.invoice_pdf_url


def test_a_purchase_asks_stripe_for_its_invoice_once(
    db, payments, forms, client, customer, guide, send_events
):
    """The webhook, its replay, the success page and the confirmation mail share one fetch."""
    session_id = checkout(forms, guide)
    events = payments.complete_checkout(session_id)
    send_events([events[0], events[0]])
    assert client.get(f"/checkout/success?session_id={session_id}").status_code == 200
    fetched = [r for r in payments.requests if r.path.startswith("/v1/invoices/")]
    assert len(fetched) == 1
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "order_paid"))
    assert f"{payments.base_url}/invoice/{events[1]['data']['object']['id']}" in mail.text_body


def test_an_invoice_stripe_cannot_give_yet_does_not_stop_the_order(
    db, payments, forms, client, customer, guide, send_events
):
    events = payments.complete_checkout(checkout(forms, guide))
    payments.fail_next("GET", "/v1/invoices/", status=500, times=2)  # fulfilment and mail
    assert [r.status_code for r in send_events(events[:1])] == [200]
    assert db.session.scalar(sa.select(Order)).status is OrderStatus.PAID
    payment = db.session.scalar(sa.select(Payment))
    assert payment.stripe_invoice_id and payment.hosted_invoice_url is None
    # Stripe's invoice.paid fills the links in.
    assert [r.status_code for r in send_events(events[1:])] == [200]
    db.session.refresh(payment)
    assert payment.hosted_invoice_url == events[1]["data"]["object"]["hosted_invoice_url"]


def test_the_account_page_fetches_an_invoice_link_that_was_missing(
    db, payments, forms, client, customer, guide, send_events
):
    events = payments.complete_checkout(checkout(forms, guide))
    payments.fail_next("GET", "/v1/invoices/", status=500, times=2)
    send_events(events[:1])  # the invoice.paid event never arrives
    section = payments_section(client.get("/account").get_data(as_text=True))
    assert set(invoice_hrefs(section)) == {"Facture", "PDF"}


def test_a_payment_without_invoice_shows_no_broken_link(app, db, make_user, customer, client):
    user = db.session.scalar(sa.select(User).where(User.email == customer))
    order = Order(
        number="GA-OLD00001",
        email=customer,
        user_id=user.id,
        total_cents=1900,
        currency="EUR",
        mode=OrderMode.PAYMENT,
        status=OrderStatus.PAID,
    )
    db.session.add(order)
    db.session.flush()
    db.session.add(
        Payment(
            stripe_id="cs_test_before_invoices",
            order_id=order.id,
            user_id=order.user_id,
            amount_cents=1900,
            currency="EUR",
            status=PaymentStatus.PAID,
        )
    )
    db.session.commit()
    section = payments_section(client.get("/account").get_data(as_text=True))
    assert "GA-OLD00001" in section and "19,00\xa0€ TTC" in section
    assert invoice_hrefs(section) == {}
    assert 'href=""' not in section and "None" not in section

    admin = logged_in(app, make_user("admin@example.org", admin=True))
    page = admin.client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "cs_test_before_invoices" in page
    assert invoice_hrefs(page) == {}


def test_an_account_without_payment_says_so(customer, client):
    section = payments_section(client.get("/account").get_data(as_text=True))
    assert "Aucun paiement pour l’instant." in section


def test_subscription_invoices_are_kept_with_their_pdf_newest_first(
    db, payments, forms, client, customer, offer, guide, send_events
):
    send_events(payments.complete_checkout(checkout(forms, offer)))
    subscription_id = payments.list_objects("subscription")[0]["id"]
    send_events(payments.renew(subscription_id))
    rows = list(db.session.scalars(sa.select(Payment).order_by(Payment.id)))
    assert len(rows) == 2
    for row in rows:
        invoice = payments.get(row.stripe_id)
        assert row.stripe_invoice_id == invoice["id"]
        assert row.invoice_pdf_url == invoice["invoice_pdf"]
        assert row.hosted_invoice_url == invoice["hosted_invoice_url"]

    section = payments_section(client.get("/account").get_data(as_text=True))
    assert section.count('class="payment"') == 2
    assert section.count("Abonnement « Accès à GPT 4 »") == 2
    assert "7,00\xa0€ TTC" in section
    numbers = re.findall(r'class="muted">(TEST-\d+)<', section)
    assert numbers == sorted(numbers, reverse=True)  # the renewal first


def test_the_account_lists_payments_in_english(app, db, payments, customer, forms, client, guide):
    buy(forms, client, payments, guide)
    section = payments_section(client.get("/en/account").get_data(as_text=True))
    assert "Payments" in section and "€19.00 incl. VAT" in section and "Collected" in section
    assert set(invoice_hrefs(section)) == {"Invoice", "PDF"}


def test_the_back_office_order_links_its_invoice(
    app, db, payments, forms, client, customer, make_user, guide
):
    buy(forms, client, payments, guide)
    order = db.session.scalar(sa.select(Order))
    payment = db.session.scalar(sa.select(Payment))
    admin = logged_in(app, make_user("admin@example.org", admin=True))
    page = admin.client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert invoice_hrefs(page) == {
        "Facture": payment.hosted_invoice_url,
        "PDF": payment.invoice_pdf_url,
    }
    assert payment.invoice_number in page


@pytest.mark.parametrize(
    "url, kept",
    [
        ("https://invoice.stripe.com/i/acct_1/test_abc", True),
        ("javascript:alert(document.cookie)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("http://evil.example/invoice/in_1", False),
        ("//evil.example/invoice", False),
        ("https://" + "a" * 3000, False),
        (42, False),
        (None, False),
    ],
)
def test_only_stripe_web_addresses_become_invoice_links(app, url, kept):
    with app.test_request_context():
        assert invoice_link(url) == (url if kept else None)


def test_the_stripe_double_address_is_a_link_only_in_the_tests(app, payments):
    with app.test_request_context():
        assert invoice_link(f"{payments.base_url}/invoice/in_1") is not None
        app.config["STRIPE_API_BASE"] = ""
        assert invoice_link(f"{payments.base_url}/invoice/in_1") is None
