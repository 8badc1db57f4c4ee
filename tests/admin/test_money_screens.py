"""Dashboard, orders and subscriptions in the back office, through the Stripe double."""

from datetime import timedelta

import sqlalchemy as sa

from store.catalog.models import Billing
from store.database import utcnow
from store.orders.models import Order, OrderLine, OrderStatus
from store.payments.models import Payment, PaymentStatus
from store.subscriptions.models import Subscription, SubscriptionStatus
from tests.conftest import CHECKOUT_CONSENT


def stat(page: str, name: str) -> str:
    return page.split(f'data-stat="{name}">')[1].split("</p>")[0]


def test_dashboard_figures(db, client, admin, create_product, create_article, create_comment):
    monthly = create_product(name="Mensuel", price_cents=700, billing=Billing.MONTHLY)
    yearly = create_product(name="Annuel", price_cents=7200, billing=Billing.YEARLY)
    for number, product, status in [
        (1, monthly, SubscriptionStatus.ACTIVE),
        (2, yearly, SubscriptionStatus.ACTIVE),
        (3, monthly, SubscriptionStatus.CANCELED),
    ]:
        db.session.add(
            Subscription(
                stripe_subscription_id=f"sub_{number}",
                stripe_customer_id="cus_1",
                product=product,
                status=status,
            )
        )
    db.session.add_all(
        [
            Payment(
                stripe_id="in_recent", amount_cents=700, currency="EUR", status=PaymentStatus.PAID
            ),
            Payment(
                stripe_id="in_old",
                amount_cents=7200,
                currency="EUR",
                status=PaymentStatus.PAID,
                created_at=utcnow() - timedelta(days=40),
            ),
            Payment(
                stripe_id="in_failed", amount_cents=700, currency="EUR", status=PaymentStatus.FAILED
            ),
            Order(
                number="GA-WAIT0001", email="a@b.c", currency="EUR", total_cents=700, mode="payment"
            ),
        ]
    )
    db.session.commit()
    create_comment(create_article(), status="pending")

    page = client.get("/admin").get_data(as_text=True)
    assert stat(page, "active-subscriptions") == "2"
    assert stat(page, "mrr") == "13,00\xa0€"  # 7 € + 72 € / 12
    assert stat(page, "revenue-30") == "7,00\xa0€"
    assert ">1</a>" in stat(page, "orders-waiting")
    assert ">1</a>" in stat(page, "comments-waiting")
    assert 'class="ko" data-check="stripe"' in page


def test_dashboard_shows_stripe_configured(client, admin, payments):
    page = client.get("/admin").get_data(as_text=True)
    assert 'class="ok" data-check="stripe"' in page
    assert 'class="ok" data-check="webhook"' in page
    assert 'data-explain="stripe"' not in page


def test_dashboard_explains_to_the_owner_how_to_open_payments(client, admin):
    page = client.get("/admin").get_data(as_text=True)
    explanation = page.split('data-explain="stripe"')[1].split("</div>")[0]
    assert "Les paiements ne sont pas encore ouverts." in explanation  # what shoppers read
    for what in ("STRIPE_SECRET_KEY", "sk_test_", "STRIPE_WEBHOOK_SECRET", ".env"):
        assert what in explanation, what
    assert "README.md" in explanation and "Payments with Stripe (test mode)" in explanation


def test_orders_filter_search_and_detail(db, client, admin):
    for number, email, status in [
        ("GA-AAAA0001", "alice@example.org", OrderStatus.PAID),
        ("GA-BBBB0002", "bob@example.org", OrderStatus.FAILED),
    ]:
        db.session.add(
            Order(
                number=number,
                email=email,
                status=status,
                currency="EUR",
                total_cents=700,
                mode="payment",
                stripe_checkout_session_id=f"cs_{number}",
                lines=[OrderLine(title="Guide", quantity=1, unit_price_cents=700, currency="EUR")],
            )
        )
    db.session.commit()
    paid = client.get("/admin/orders?status=paid").get_data(as_text=True)
    assert "GA-AAAA0001" in paid and "GA-BBBB0002" not in paid
    found = client.get("/admin/orders?q=BOB@").get_data(as_text=True)
    assert "GA-BBBB0002" in found and "GA-AAAA0001" not in found
    order = db.session.scalar(sa.select(Order).filter_by(number="GA-AAAA0001"))
    detail = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Guide" in detail
    assert "https://dashboard.stripe.com/test/checkout/sessions/cs_GA-AAAA0001" in detail
    assert client.get("/admin/orders/999999").status_code == 404


def test_cancel_and_resume_go_through_stripe_and_show_after_the_webhook(
    db, client, forms, admin, payments, send_events, create_product
):
    offer = create_product(name="Offre", billing=Billing.MONTHLY)
    forms.post("/cart/add", {"product_id": offer.id})
    checkout = forms.post("/checkout", CHECKOUT_CONSENT)
    session_id = checkout.headers["Location"].rsplit("/", 1)[-1]
    send_events(payments.complete_checkout(session_id))
    subscription = db.session.scalar(sa.select(Subscription))
    url = f"/admin/subscriptions/{subscription.id}"
    assert "Résilier en fin de période" in client.get(url).get_data(as_text=True)

    asked = forms.post(f"{url}/cancel")
    assert "Résilier l’abonnement" in asked.get_data(as_text=True)
    done = forms.post(f"{url}/cancel", {"confirmed": "yes"})
    assert done.headers["Location"] == url
    assert payments.last(
        "POST", f"/v1/subscriptions/{subscription.stripe_subscription_id}"
    ).params == {"cancel_at_period_end": "true"}
    db.session.refresh(subscription)
    assert not subscription.cancel_at_period_end  # not until Stripe confirms

    update = [e for e in payments.events if e["type"] == "customer.subscription.updated"][-1]
    send_events([update])
    db.session.refresh(subscription)
    assert subscription.cancel_at_period_end
    assert "Reprendre" in client.get(url).get_data(as_text=True)

    forms.post(f"{url}/resume")
    send_events([e for e in payments.events if e["type"] == "customer.subscription.updated"][-1:])
    db.session.refresh(subscription)
    assert not subscription.cancel_at_period_end

    listing = client.get("/admin/subscriptions?status=active").get_data(as_text=True)
    assert subscription.stripe_subscription_id in listing
    assert subscription.stripe_subscription_id not in client.get(
        "/admin/subscriptions?status=canceled"
    ).get_data(as_text=True)


def test_a_stripe_failure_on_cancel_changes_nothing(db, client, forms, admin, payments):
    subscription = Subscription(
        stripe_subscription_id="sub_missing",
        stripe_customer_id="c",
        status=SubscriptionStatus.ACTIVE,
    )
    db.session.add(subscription)
    db.session.commit()
    payments.fail_next("POST", "/v1/subscriptions", status=500)
    forms.post(f"/admin/subscriptions/{subscription.id}/cancel", {"confirmed": "yes"})
    page = client.get(f"/admin/subscriptions/{subscription.id}").get_data(as_text=True)
    assert "Stripe est injoignable ; rien n’a changé." in page


def test_a_subscription_is_valued_whoever_writes_it(db, create_product):
    """The monthly value the dashboard sums: set when a subscription is written by its ids
    alone, by its objects, or given another order; kept when its product's price changes."""

    monthly = create_product(name="Mensuel", price_cents=700, billing=Billing.MONTHLY)
    yearly = create_product(name="Annuel", price_cents=8406, billing=Billing.YEARLY)
    by_id = Subscription(
        stripe_subscription_id="sub_id",
        stripe_customer_id="c",
        product_id=yearly.id,
        status=SubscriptionStatus.ACTIVE,
    )
    by_object = Subscription(
        stripe_subscription_id="sub_obj",
        stripe_customer_id="c",
        product=monthly,
        status=SubscriptionStatus.ACTIVE,
    )
    db.session.add_all([by_id, by_object])
    db.session.commit()
    assert (by_id.monthly_value_cents, by_object.monthly_value_cents) == (701, 700)

    order = Order(
        number="GA-LINES001",
        email="a@b.c",
        currency="EUR",
        total_cents=1400,
        mode="subscription",
        lines=[
            OrderLine(
                title="Mensuel",
                unit_price_cents=700,
                currency="EUR",
                interval=Billing.MONTHLY.interval,
                quantity=2,
            )
        ],
    )
    db.session.add(order)
    db.session.flush()
    by_object.order_id = order.id
    db.session.commit()
    assert by_object.monthly_value_cents == 1400

    yearly.price_cents = 12_000  # a new price is for new subscribers
    by_id.status = SubscriptionStatus.PAST_DUE
    db.session.commit()
    assert by_id.monthly_value_cents == 701
