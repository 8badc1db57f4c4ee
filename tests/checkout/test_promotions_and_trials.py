"""Promotion codes at checkout and free trials on subscriptions, through the Stripe double."""

import re

import pytest
import sqlalchemy as sa

from store.catalog.models import Billing, Product
from store.mail.models import OutboxMessage
from store.orders.models import Order, OrderMode, OrderStatus
from store.payments.models import Payment
from store.settings.services import set_setting
from store.subscriptions.models import Subscription, SubscriptionStatus
from store.subscriptions.services import trial_eligible
from tests.conftest import CHECKOUT_CONSENT, logged_in

TRIAL_FR = "7 jours gratuits, puis 7,00\xa0€ / mois"
TRIAL_EN = "7 days free, then €7.00 / month"
BODY = "Premier paragraphe ouvert à tous.\n\n" + "Suite RÉSERVÉE-AUX-ABONNÉS. " * 20


def text(response) -> str:
    return response.get_data(as_text=True)


def checkout(browser, product) -> str:
    """Add the product, press "Pay with Stripe"; the id of the Checkout Session opened."""
    browser.post("/cart/add", {"product_id": product.id})
    response = browser.post("/checkout", CHECKOUT_CONSENT)
    assert response.status_code == 303, text(response)
    return response.headers["Location"].rsplit("/", 1)[-1]


def sent_session(double) -> dict:
    return double.last("POST", "/v1/checkout/sessions").params


def stat(page: str, name: str) -> str:
    return page.split(f'data-stat="{name}">')[1].split("</p>")[0]


@pytest.fixture
def offer(create_product):
    """The featured monthly offer, with a week free."""
    return create_product(
        name="Accès à GPT 4",
        slug="acces-gpt-4",
        price_cents=700,
        billing=Billing.MONTHLY,
        trial_days=7,
        featured=True,
    )


@pytest.fixture
def reader(app, make_user):
    """A customer's browser, logged in."""
    return logged_in(app, make_user("lecteur@example.org"))


def promotion_box_ticked(page: str) -> bool:
    match = re.search(r'<input[^>]*name="allow_promotion_codes"[^>]*>', page)
    assert match, "no promotion codes box"
    return " checked" in match[0]


def allow_promotion_codes(db):
    set_setting("allow_promotion_codes", "1")
    db.session.commit()


# --- promotion codes ---------------------------------------------------------------------


def test_the_admin_turns_promotion_codes_on_for_the_checkout(db, payments, admin, reader, guide):
    checkout(reader, guide)
    assert "allow_promotion_codes" not in sent_session(payments)  # off by default

    page = text(admin.client.get("/admin/settings"))
    assert "Accepter les codes promo au paiement" in page
    assert not promotion_box_ticked(page)
    response = admin.post(
        "/admin/settings",
        {"grace_period_days": "7", "vat_rate": "20", "allow_promotion_codes": "y"},
    )
    assert response.status_code == 303

    reader.post("/checkout", CHECKOUT_CONSENT)  # the same cart, paid now
    assert sent_session(payments)["allow_promotion_codes"] == "true"
    assert promotion_box_ticked(text(admin.client.get("/admin/settings")))


def test_a_promotion_code_is_recorded_from_the_webhook(
    db, payments, send_events, admin, reader, guide
):
    allow_promotion_codes(db)
    payments.create_promotion_code("BIENVENUE", amount_off=200)
    session_id = checkout(reader, guide)

    events = payments.complete_checkout(session_id, promotion_code="BIENVENUE")
    # checkout.session.completed, then invoice.paid for the invoice Checkout made
    assert [r.status_code for r in send_events(events)] == [200, 200]
    assert events[1]["data"]["object"]["amount_paid"] == 1700  # the invoice bills the net

    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.PAID
    assert (order.total_cents, order.discount_cents, order.promotion_code) == (
        1900,
        200,
        "BIENVENUE",
    )
    # The event names the code by its id: the store asked Stripe for its text.
    assert payments.last(
        "GET",
        f"/v1/promotion_codes/{events[0]['data']['object']['discounts'][0]['promotion_code']}",
    )
    assert [p.amount_cents for p in db.session.scalars(sa.select(Payment))] == [1700]

    # The customer comes back to the success page afterwards: nothing counted twice.
    success = text(reader.client.get(f"/checkout/success?session_id={session_id}"))
    assert "Remise" in success and "−2,00\xa0€ (code BIENVENUE)" in success
    db.session.refresh(order)
    assert (order.discount_cents, order.promotion_code) == (200, "BIENVENUE")
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1

    detail = text(admin.client.get(f"/admin/orders/{order.id}"))
    discount = detail.split('<dd class="order-discount">')[1].split("</dd>")[0]
    assert discount == "−2,00\xa0€ (code BIENVENUE)"
    assert "<strong>17,00\xa0€ TTC</strong>" in detail  # the total after the discount
    orders = text(admin.client.get("/admin/orders"))
    assert "17,00\xa0€" in orders and "19,00\xa0€" not in orders
    assert stat(text(admin.client.get("/admin")), "revenue-30") == "17,00\xa0€"

    account = text(reader.client.get("/account"))
    assert "17,00\xa0€" in account and "19,00\xa0€" not in account
    mine = text(reader.client.get(f"/account/orders/{order.number}"))
    assert "−2,00\xa0€ (code BIENVENUE)" in mine and "<strong>17,00\xa0€ TTC</strong>" in mine


def test_a_discounted_subscription_confirmed_on_the_success_page(
    db, payments, send_events, admin, reader, create_product
):
    allow_promotion_codes(db)
    plan = create_product(name="Mensuel", price_cents=700, billing=Billing.MONTHLY)
    payments.create_promotion_code("MOITIE", percent_off=50)
    session_id = checkout(reader, plan)

    events = payments.complete_checkout(session_id, promotion_code="MOITIE")
    page = text(reader.client.get(f"/checkout/success?session_id={session_id}"))

    assert "−3,50\xa0€ (code MOITIE)" in page
    order = db.session.scalar(sa.select(Order))
    assert (order.status, order.discount_cents, order.promotion_code) == (
        OrderStatus.PAID,
        350,
        "MOITIE",
    )
    # The session came back with its promotion code expanded: no second call for it.
    retrieved = payments.last("GET", f"/v1/checkout/sessions/{session_id}")
    assert retrieved.params == {"expand": ["discounts.promotion_code"]}
    assert not [r for r in payments.requests if r.path.startswith("/v1/promotion_codes/")]

    # The first invoice was net of the discount: that is the revenue.
    send_events(events)
    assert [p.amount_cents for p in db.session.scalars(sa.select(Payment))] == [350]
    assert stat(text(admin.client.get("/admin")), "revenue-30") == "3,50\xa0€"


# --- free trials: what the shop shows ------------------------------------------------------


def test_the_trial_is_shown_on_the_offer_shop_product_and_cart(
    client, forms, offer, create_article, create_product
):
    create_product(name="Essai court", price_cents=900, billing=Billing.MONTHLY, trial_days=1)
    article = create_article(offer_product_id=offer.id)
    assert TRIAL_FR in text(client.get("/")).split('class="banner"')[1]
    shop = text(client.get("/shop"))
    assert TRIAL_FR in shop and "1 jour gratuit, puis 9,00\xa0€ / mois" in shop
    assert TRIAL_FR in text(client.get("/shop/acces-gpt-4"))
    assert TRIAL_FR in text(client.get(f"/articles/{article.slug}")).split('id="offer"')[1]

    forms.post("/cart/add", {"product_id": offer.id})
    cart = text(client.get("/cart"))
    assert TRIAL_FR in cart
    assert "À payer aujourd’hui : 0,00\xa0€" in cart
    assert "Puis 7,00\xa0€ / mois" in cart

    assert TRIAL_EN in text(client.get("/en/shop/acces-gpt-4"))
    cart = text(client.get("/en/cart"))
    assert TRIAL_EN in cart and "Due today: €0.00" in cart
    assert "1 day free, then €9.00 / month" in text(client.get("/en/shop"))


def side_cart(page: str) -> str:
    return page.split('id="side-cart-panel"')[1].split("</details>")[0]


def test_the_side_cart_shows_the_trial_and_what_is_due_today(client, forms, offer, guide):
    forms.post("/cart/add", {"product_id": offer.id})
    panel = side_cart(text(client.get("/shop")))
    assert TRIAL_FR in panel and "À payer aujourd’hui : 0,00\xa0€" in panel
    assert "Total" not in panel
    forms.post("/cart/add", {"product_id": guide.id})
    panel = side_cart(text(client.get("/en/shop")))
    assert TRIAL_EN in panel and "€19.00 incl. VAT" in panel and "Due today: €19.00" in panel


def test_without_a_trial_the_side_cart_shows_the_price_and_total(client, forms, guide):
    forms.post("/cart/add", {"product_id": guide.id})
    panel = side_cart(text(client.get("/shop")))
    assert "19,00\xa0€ TTC" in panel and "Total" in panel and "aujourd’hui" not in panel


def test_one_time_lines_are_still_due_today_next_to_a_trial(client, forms, offer, guide):
    forms.post("/cart/add", {"product_id": offer.id})
    forms.post("/cart/add", {"product_id": guide.id})
    assert "À payer aujourd’hui : 19,00\xa0€" in text(client.get("/cart"))


# --- free trials: through checkout ---------------------------------------------------------


def test_a_trial_then_no_second_trial_for_the_same_customer(
    db, payments, send_events, reader, offer, create_article, create_product
):
    article = create_article(body=BODY, subscribers_only=True)
    session_id = checkout(reader, offer)
    assert sent_session(payments)["subscription_data"]["trial_period_days"] == "7"

    send_events(payments.complete_checkout(session_id))
    reader.client.get(f"/checkout/success?session_id={session_id}")  # empties the cart

    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.PAID  # Stripe: "no_payment_required"
    subscription = db.session.scalar(sa.select(Subscription))
    assert subscription.status is SubscriptionStatus.TRIALING
    assert [p.amount_cents for p in db.session.scalars(sa.select(Payment))] == [0]
    assert "RÉSERVÉE-AUX-ABONNÉS" in text(reader.client.get(f"/articles/{article.slug}"))
    account = text(reader.client.get("/account"))
    assert "Période d’essai" in account and "Essai gratuit jusqu’au" in account
    # The confirmation says what was charged today, not the subscription's price.
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "order_paid"))
    assert "Votre essai gratuit a commencé" in mail.text_body
    assert "Payé aujourd’hui : 0,00\xa0€" in mail.text_body
    assert "Total payé" not in mail.text_body and "Total payé" not in mail.html_body

    # The same customer looks at another plan with a trial: the plain price, and pays today.
    other = create_product(
        name="Accès à Claude",
        slug="acces-claude",
        price_cents=900,
        billing=Billing.MONTHLY,
        trial_days=14,
    )
    shop = text(reader.client.get("/shop"))
    assert "jours gratuits" not in shop and "9,00\xa0€ / mois" in shop
    checkout_id = checkout(reader, other)
    cart = text(reader.client.get("/cart"))
    assert "jours gratuits" not in cart and "À payer aujourd’hui : 9,00\xa0€" in cart
    assert checkout_id != session_id
    assert "trial_period_days" not in sent_session(payments)["subscription_data"]

    # The trial ends: the first month is paid and the subscription is active.
    send_events(payments.end_trial(subscription.stripe_subscription_id))
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert sorted(p.amount_cents for p in db.session.scalars(sa.select(Payment))) == [0, 700]


def test_who_may_have_a_trial(db, make_user, create_product, offer):
    from flask_login import AnonymousUserMixin

    assert trial_eligible(AnonymousUserMixin())
    user = make_user("nouveau@example.org")
    pending = Order(
        number="GA-PENDING1",
        user_id=user.id,
        email=user.email,
        currency="EUR",
        total_cents=700,
        mode=OrderMode.SUBSCRIPTION,
    )
    db.session.add(pending)
    db.session.commit()
    assert trial_eligible(user)  # an unpaid order uses nothing up

    pending.status, pending.paid_at = OrderStatus.PAID, pending.created_at
    db.session.commit()
    assert not trial_eligible(user)  # paid once, even if Stripe's subscription is not known yet

    other = make_user("ancien@example.org")
    db.session.add(
        Subscription(
            stripe_subscription_id="sub_old",
            stripe_customer_id="cus_old",
            user_id=other.id,
            status=SubscriptionStatus.INCOMPLETE_EXPIRED,
        )
    )
    db.session.commit()
    assert not trial_eligible(other)  # any subscription, whatever came of it


# --- free trials: the back office ---------------------------------------------------------


def product_data(**overrides):
    return {
        "name": "Accès à Claude",
        "price": "9",
        "currency": "EUR",
        "billing": "month",
        "active": "y",
        **overrides,
    }


def test_the_product_form_takes_a_trial_for_subscriptions_only(db, client, admin):
    refused = admin.post("/admin/products/new", product_data(billing="one_time", trial_days="7"))
    assert refused.status_code == 400
    assert "Seul un abonnement peut avoir un essai gratuit." in text(refused)
    for days in ("0", "731", "sept"):
        response = admin.post("/admin/products/new", product_data(trial_days=days))
        assert response.status_code == 400, days
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 0

    assert admin.post("/admin/products/new", product_data(trial_days="7")).status_code == 303
    product = db.session.scalar(sa.select(Product))
    assert product.trial_days == 7
    assert TRIAL_FR.replace("7,00", "9,00") in text(client.get("/admin/products"))
    edit = admin.post(f"/admin/products/{product.id}", product_data(trial_days=""))
    assert edit.status_code == 303
    db.session.refresh(product)
    assert product.trial_days is None
