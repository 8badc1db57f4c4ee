"""A customer can never see or change another customer's order, payment or Stripe customer.

Alice and Bob each buy through the Stripe test double. Every identifier a customer can put
in a URL or a form is tried by Bob on Alice's objects: he gets a 404 (or a page about his own
things) and Alice's objects stay as they were. Alice doing the same proves each URL works.
"""

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from store.catalog.models import Billing
from store.orders.models import Order, OrderStatus
from store.payments.models import Customer
from tests.conftest import CHECKOUT_CONSENT, logged_in


def checkout(browser, product, payments) -> str:
    """Put `product` alone in the cart and press "Pay"; returns the Checkout Session id."""
    browser.post("/cart/clear")
    browser.post("/cart/add", {"product_id": product.id})
    response = browser.post("/checkout", CHECKOUT_CONSENT)
    assert response.headers["Location"].startswith(payments.base_url)
    return urlsplit(response.headers["Location"]).path.rsplit("/", 1)[-1]


class Shop:
    """Alice has a paid subscription and a pending order; Bob has a paid order."""

    def __init__(self, app, db, payments, make_user, create_product, send_events):
        self.db = db
        self.payments = payments
        offer = create_product(name="Accès à GPT 4", billing=Billing.MONTHLY)
        guide = create_product(name="Guide PDF", price_cents=1900)
        self.alice_user = make_user("alice@example.org")
        self.bob_user = make_user("bob@example.org")
        self.alice = logged_in(app, self.alice_user)
        self.bob = logged_in(app, self.bob_user)

        send_events(payments.complete_checkout(checkout(self.alice, offer, payments)))
        self.alice_pending_session = checkout(self.alice, guide, payments)
        send_events(payments.complete_checkout(checkout(self.bob, guide, payments)))

        self.alice_paid = self.order(self.alice_user, OrderStatus.PAID)
        self.alice_pending = self.order(self.alice_user, OrderStatus.PENDING_PAYMENT)
        self.bob_paid = self.order(self.bob_user, OrderStatus.PAID)

    def order(self, user, status) -> Order:
        return self.db.session.scalar(
            sa.select(Order).where(Order.user_id == user.id, Order.status == status)
        )

    def status(self, order) -> OrderStatus:
        self.db.session.expire_all()
        return self.db.session.get(Order, order.id).status

    def stripe_customer(self, user) -> str:
        return self.db.session.scalar(
            sa.select(Customer.stripe_customer_id).where(Customer.user_id == user.id)
        )


@pytest.fixture
def shop(app, db, payments, make_user, create_product, send_events):
    return Shop(app, db, payments, make_user, create_product, send_events)


def test_another_customers_order_page_is_404(shop):
    for order in (shop.alice_paid, shop.alice_pending):
        assert shop.bob.client.get(f"/account/orders/{order.number}").status_code == 404
        assert shop.alice.client.get(f"/account/orders/{order.number}").status_code == 200
    bob_account = shop.bob.client.get("/account").get_data(as_text=True)
    assert shop.bob_paid.number in bob_account
    assert shop.alice_paid.number not in bob_account
    assert shop.alice_pending.number not in bob_account


def test_another_customers_orders_are_not_reachable_through_the_back_office(shop):
    for order in (shop.alice_paid, shop.alice_pending):
        assert shop.bob.client.get(f"/admin/orders/{order.id}").status_code == 403


def test_another_customers_checkout_session_is_404_and_does_not_fulfil(shop):
    shop.payments.complete_checkout(shop.alice_pending_session)  # paid on Stripe's page
    url = f"/checkout/success?session_id={shop.alice_pending_session}"
    response = shop.bob.client.get(url)
    assert response.status_code == 404
    assert shop.alice_pending.number not in response.get_data(as_text=True)
    assert shop.status(shop.alice_pending) is OrderStatus.PENDING_PAYMENT

    assert shop.alice.client.get(url).status_code == 200
    assert shop.status(shop.alice_pending) is OrderStatus.PAID


def test_cancelling_another_customers_order_changes_nothing(shop):
    url = f"/checkout/cancel?order={shop.alice_pending.number}"
    shop.bob.client.get(url)
    assert shop.status(shop.alice_pending) is OrderStatus.PENDING_PAYMENT
    shop.bob.client.get(f"/checkout/cancel?order={shop.alice_paid.number}")
    assert shop.status(shop.alice_paid) is OrderStatus.PAID

    shop.alice.client.get(url)
    assert shop.status(shop.alice_pending) is OrderStatus.ABANDONED


def test_the_billing_portal_always_opens_for_the_callers_own_stripe_customer(shop, make_user, app):
    alice_customer = shop.stripe_customer(shop.alice_user)
    bob_customer = shop.stripe_customer(shop.bob_user)
    assert alice_customer and bob_customer and alice_customer != bob_customer

    # Extra fields naming Alice's customer are ignored.
    for data in ({}, {"customer": alice_customer, "stripe_customer_id": alice_customer}):
        response = shop.bob.post("/account/billing-portal", data)
        assert response.headers["Location"].startswith(f"{shop.payments.base_url}/portal/")
        sent = shop.payments.last("POST", "/v1/billing_portal/sessions").params
        assert sent["customer"] == bob_customer

    shop.alice.post("/account/billing-portal")
    assert shop.payments.last("POST", "/v1/billing_portal/sessions").params["customer"] == (
        alice_customer
    )

    # A customer with no Stripe customer of their own gets no portal at all.
    carol = logged_in(app, make_user("carol@example.org"))
    portals = len(shop.payments.list_objects("billing_portal.session"))
    response = carol.post("/account/billing-portal", {"customer": alice_customer})
    assert response.headers["Location"] == "/account"
    assert len(shop.payments.list_objects("billing_portal.session")) == portals
