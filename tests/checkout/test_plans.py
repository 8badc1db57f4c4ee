"""The plans of one offer: a subscriber is never sold the offer they hold, in any plan, and the
store follows the plan Stripe bills, whoever switched it.

The monthly and yearly "Accès à GPT 4" are two plans of one offer. A customer with a paid-up
subscription to it used to be offered "Ajouter au panier" everywhere and could pay for it a
second time; a switch made in Stripe's customer portal left the store on the old plan for ever.
"""

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from store.admin.services import sync_product_to_stripe
from store.catalog.models import Billing
from store.subscriptions.models import Subscription
from tests.conftest import CHECKOUT_CONSENT, logged_in


@pytest.fixture
def plans(db, payments, create_product):
    """The monthly offer and its yearly plan, both sold at Stripe Prices of their own."""
    monthly = create_product(
        name="Accès à GPT 4",
        slug="acces-gpt-4",
        billing=Billing.MONTHLY,
        price_cents=700,
        grants_articles=True,
        featured=True,
    )
    yearly = create_product(
        name="Accès à GPT 4 — annuel",
        billing=Billing.YEARLY,
        price_cents=7000,
        grants_articles=True,
        plan_of_id=monthly.id,
    )
    for product in (monthly, yearly):
        sync_product_to_stripe(product)
    db.session.commit()
    return monthly, yearly


def pay_for(browser, product, payments, send_events) -> str:
    """Add `product` alone to the cart, pay on the double, deliver the events; returns the
    Stripe subscription id."""
    browser.post("/cart/clear")
    browser.post("/cart/add", {"product_id": product.id})
    location = browser.post("/checkout", CHECKOUT_CONSENT).headers["Location"]
    events = payments.complete_checkout(urlsplit(location).path.rsplit("/", 1)[-1])
    send_events(events)
    return next(e["data"]["object"]["id"] for e in events if e["type"].startswith("customer.sub"))


@pytest.fixture
def subscriber(app, db, payments, make_user, plans, send_events):
    monthly, _ = plans
    browser = logged_in(app, make_user("abonne@example.org"))
    subscription_id = pay_for(browser, monthly, payments, send_events)
    return browser, subscription_id


def test_a_subscriber_sees_their_subscription_where_the_offer_is_sold(
    db, subscriber, plans, create_article
):
    browser, _ = subscriber
    monthly, yearly = plans
    article = create_article(offer=monthly)
    urls = ["/", "/shop", f"/shop/{monthly.slug}", f"/shop/{yearly.slug}"]
    for url in [*urls, f"/articles/{article.slug}"]:
        page = browser.client.get(url).get_data(as_text=True)
        assert 'data-testid="subscribed"' in page, url
        assert "Vous êtes abonné" in page and "se renouvelle le" in page, url
        add_forms = re.findall(r'<form[^>]*class="add-to-cart".*?</form>', page, re.S)
        for product in (monthly, yearly):
            assert not [f for f in add_forms if f'value="{product.id}"' in f], (url, product.name)


def sessions_created(payments) -> int:
    return sum(
        1 for r in payments.requests if r.method == "POST" and r.path == "/v1/checkout/sessions"
    )


def test_the_offer_is_refused_at_the_cart_and_at_checkout(
    app, db, payments, make_user, plans, send_events
):
    monthly, yearly = plans
    user = make_user("abonne@example.org")
    cart_tab = logged_in(app, user)
    cart_tab.post("/cart/add", {"product_id": yearly.id})  # in this cart before subscribing
    pay_for(logged_in(app, user), monthly, payments, send_events)  # subscribed in another tab

    refused = cart_tab.post("/cart/add", {"product_id": monthly.id}, follow_redirects=True)
    assert "Vous êtes déjà abonné à « Accès à GPT 4 »" in refused.get_data(as_text=True)
    before = sessions_created(payments)
    response = cart_tab.post("/checkout", CHECKOUT_CONSENT)
    assert (response.status_code, response.headers["Location"]) == (303, "/cart")
    page = cart_tab.client.get("/cart").get_data(as_text=True)
    assert "Vous êtes déjà abonné à « Accès à GPT 4 »" in page
    assert "Accès à GPT 4 — annuel" in page  # the cart is kept
    assert sessions_created(payments) == before  # nothing was asked of Stripe
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 1


def test_a_plan_switched_outside_the_store_is_followed(
    db, payments, subscriber, plans, create_product, create_article, send_events
):
    """A switch in Stripe's customer portal (or the dashboard): the store shows and grants the
    plan Stripe bills now; a plan that gives no article takes the articles away."""
    browser, subscription_id = subscriber
    monthly, yearly = plans
    paid_article = create_article(subscribers_only=True, body="Début.\n\nLa suite payante.")
    send_events(payments.switch_price(subscription_id, yearly.stripe_price_id))
    db.session.expire_all()
    row = db.session.scalar(sa.select(Subscription))
    assert row.product_id == yearly.id
    account = browser.client.get("/account").get_data(as_text=True)
    assert "Accès à GPT 4 — annuel" in account.split('id="subs-title"')[1].split("</section>")[0]
    assert "La suite payante." in browser.client.get(f"/articles/{paid_article.slug}").get_data(
        True
    )

    newsletter = create_product(
        name="Lettre", billing=Billing.MONTHLY, price_cents=300, grants_articles=False
    )
    sync_product_to_stripe(newsletter)
    db.session.commit()
    send_events(payments.switch_price(subscription_id, newsletter.stripe_price_id))
    db.session.expire_all()
    assert db.session.scalar(sa.select(Subscription.product_id)) == newsletter.id
    page = browser.client.get(f"/articles/{paid_article.slug}").get_data(as_text=True)
    assert "La suite payante." not in page  # the old plan gives nothing more


def test_two_offers_in_one_checkout_each_give_until_one_is_switched_away(
    app, db, payments, make_user, create_product, create_article, send_events
):
    """Prices made at checkout (no Stripe Price of the product's own): each item is known by
    the store's product id in its Stripe product's metadata."""
    news = create_product(name="Lettre pro", billing=Billing.MONTHLY, price_cents=300)
    gpt = create_product(name="Accès à GPT 4", billing=Billing.MONTHLY, price_cents=700)
    other = create_product(name="Autre", billing=Billing.MONTHLY, price_cents=100)
    sync_product_to_stripe(other)
    db.session.commit()
    news_article = create_article(subscribers_only=True, body="A.\n\nSuite lettre.", offer=news)
    gpt_article = create_article(subscribers_only=True, body="A.\n\nSuite GPT.", offer=gpt)
    news_article.access_products = [news]
    gpt_article.access_products = [gpt]
    db.session.commit()
    browser = logged_in(app, make_user("deux@example.org"))
    for product in (news, gpt):
        browser.post("/cart/add", {"product_id": product.id})
    location = browser.post("/checkout", CHECKOUT_CONSENT).headers["Location"]
    events = payments.complete_checkout(urlsplit(location).path.rsplit("/", 1)[-1])
    send_events(events)
    row = db.session.scalar(sa.select(Subscription))
    assert sorted(row.plan_ids) == sorted([news.id, gpt.id])
    for article, text in ((news_article, "Suite lettre."), (gpt_article, "Suite GPT.")):
        assert text in browser.client.get(f"/articles/{article.slug}").get_data(True)

    # The switch replaces the first item's price: that item's offer gives nothing more, the
    # other item still gives its own.
    replaced, kept = (news, gpt) if row.product_id == news.id else (gpt, news)
    assert row.product_id == replaced.id
    send_events(payments.switch_price(row.stripe_subscription_id, other.stripe_price_id))
    db.session.expire_all()
    assert sorted(row.plan_ids) == sorted([other.id, kept.id]) and row.product_id == other.id
    for product, article, text in (
        (news, news_article, "Suite lettre."),
        (gpt, gpt_article, "Suite GPT."),
    ):
        page = browser.client.get(f"/articles/{article.slug}").get_data(True)
        assert (text in page) is (product is kept), product.name


def test_a_subscription_synced_before_plans_were_kept_gives_its_order_lines(
    db, subscriber, plans, create_article
):
    browser, _ = subscriber
    row = db.session.scalar(sa.select(Subscription))
    row.plan_ids = None  # as the migration leaves a row until Stripe is next heard from
    db.session.commit()
    article = create_article(subscribers_only=True, body="Début.\n\nLa suite payante.")
    assert "La suite payante." in browser.client.get(f"/articles/{article.slug}").get_data(True)
