"""Articles reserved for subscribers: who reads them whole, and when access ends."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from store.catalog.models import Billing
from store.database import utcnow
from store.subscriptions.models import Subscription, SubscriptionStatus
from tests.conftest import CHECKOUT_CONSENT, login

BODY = (
    "Premier paragraphe ouvert à tous.\n\n"
    "## Un intertitre\n\n"
    "Deuxième paragraphe, encore visible.\n\n"
    "Troisième paragraphe RÉSERVÉ-AUX-ABONNÉS.\n\n"
    "Quatrième paragraphe, conclusion SECRÈTE. " + "La suite de l’enquête. " * 8
)


@pytest.fixture
def plan(create_product):
    return create_product(
        name="Accès à GPT 4",
        billing=Billing.MONTHLY,
        price_cents=700,
        headline="Accès à GPT 4 dès aujourd'hui pour 7€",
    )


@pytest.fixture
def premium(create_article, plan):
    return create_article(
        title="Enquête exclusive",
        body=BODY,
        subscribers_only=True,
        access_products=[plan],
        excerpt="Le chapô de l’enquête.",
    )


def page_of(client, article) -> str:
    return client.get(f"/articles/{article.slug}").get_data(as_text=True)


def subscribe(db, user, product, **fields):
    subscription = Subscription(
        stripe_subscription_id=f"sub_{user.id}_{product.id}",
        stripe_customer_id="cus_x",
        user_id=user.id,
        product_id=product.id,
        status=fields.pop("status", SubscriptionStatus.ACTIVE),
        current_period_end=fields.pop("current_period_end", utcnow() + timedelta(days=20)),
        **fields,
    )
    db.session.add(subscription)
    db.session.commit()
    return subscription


def test_a_visitor_reads_the_opening_then_gets_the_offer(client, premium):
    page = page_of(client, premium)
    assert "Enquête exclusive" in page and "Premier paragraphe ouvert à tous." in page
    assert "Le chapô de l’enquête." in page
    assert "Deuxième paragraphe, encore visible." in page
    assert "RÉSERVÉ-AUX-ABONNÉS" not in page and "SECRÈTE" not in page  # not even hidden
    assert "Cet article est réservé aux abonnés" in page
    offer = page.split('class="offer"')[1]
    assert "Accès à GPT 4 dès aujourd&#39;hui pour 7€" in offer
    assert 'action="/cart/add"' in offer


def test_a_subscriber_reads_everything(db, client, premium, plan, login_as):
    user = login_as("abonne@example.org", admin=False)
    assert "SECRÈTE" not in page_of(client, premium)  # a customer without subscription
    subscribe(db, user, plan)
    page = page_of(client, premium)
    assert "RÉSERVÉ-AUX-ABONNÉS" in page and "SECRÈTE" in page
    assert "Cet article est réservé aux abonnés" not in page


def test_another_plan_does_not_unlock_it(db, client, premium, login_as, create_product):
    other = create_product(name="Autre formule", billing=Billing.MONTHLY)
    user = login_as("abonne@example.org", admin=False)
    subscribe(db, user, other)
    assert "SECRÈTE" not in page_of(client, premium)


def test_without_a_list_any_subscription_unlocks(
    db, client, create_article, login_as, create_product
):
    article = create_article(body=BODY, subscribers_only=True)
    user = login_as("abonne@example.org", admin=False)
    assert "SECRÈTE" not in page_of(client, article)
    subscribe(db, user, create_product(billing=Billing.YEARLY))
    assert "SECRÈTE" in page_of(client, article)


@pytest.mark.parametrize(
    "fields, readable",
    [
        ({"status": SubscriptionStatus.ACTIVE}, True),
        ({"status": SubscriptionStatus.TRIALING}, True),
        ({"status": SubscriptionStatus.ACTIVE, "cancel_at_period_end": True}, True),
        (
            {
                "status": SubscriptionStatus.ACTIVE,
                "cancel_at_period_end": True,
                "current_period_end": utcnow() - timedelta(hours=1),
            },
            False,
        ),
        (
            {"status": SubscriptionStatus.PAST_DUE, "past_due_since": utcnow() - timedelta(days=2)},
            True,
        ),
        (
            {"status": SubscriptionStatus.PAST_DUE, "past_due_since": utcnow() - timedelta(days=8)},
            False,
        ),
        ({"status": SubscriptionStatus.CANCELED}, False),
        ({"status": SubscriptionStatus.UNPAID}, False),
        ({"status": SubscriptionStatus.INCOMPLETE}, False),
    ],
    ids=[
        "active",
        "trialing",
        "cancelling-still-paid",
        "cancelled-period-over",
        "past-due-in-grace",
        "past-due-after-grace",
        "deleted",
        "unpaid",
        "incomplete",
    ],
)
def test_access_follows_the_subscription(db, client, premium, plan, login_as, fields, readable):
    user = login_as("abonne@example.org", admin=False)
    subscribe(db, user, plan, **fields)
    assert ("SECRÈTE" in page_of(client, premium)) is readable


def test_the_admin_sets_the_grace_period(db, client, forms, premium, plan, login_as, make_user):
    reader = make_user("abonne@example.org")
    subscribe(
        db,
        reader,
        plan,
        status=SubscriptionStatus.PAST_DUE,
        past_due_since=utcnow() - timedelta(days=3),
    )
    login_as()  # the admin
    assert 'value="7"' in client.get("/admin/settings").get_data(as_text=True)
    assert (
        forms.post("/admin/settings", {"grace_period_days": "-1", "vat_rate": "20"}).status_code
        == 400
    )
    forms.post("/admin/settings", {"grace_period_days": "2", "vat_rate": "20"})
    forms.post("/account/logout")
    login(forms, reader)
    assert "SECRÈTE" not in page_of(client, premium)


def test_the_webhooks_open_and_close_access(
    db, client, forms, premium, plan, customer, payments, send_events
):
    forms.post("/cart/add", {"product_id": plan.id})
    session_id = forms.post("/checkout", CHECKOUT_CONSENT).headers["Location"].rsplit("/", 1)[-1]
    assert "SECRÈTE" not in page_of(client, premium)
    send_events(payments.complete_checkout(session_id))
    assert "SECRÈTE" in page_of(client, premium)

    subscription = db.session.scalar(sa.select(Subscription))
    send_events(payments.fail_payment(subscription.stripe_subscription_id))
    db.session.refresh(subscription)
    assert subscription.past_due_since is not None
    assert "SECRÈTE" in page_of(client, premium)  # within the grace period

    send_events(payments.delete_subscription(subscription.stripe_subscription_id))
    assert "SECRÈTE" not in page_of(client, premium)


def test_the_account_lists_what_each_subscription_opens(
    db, client, premium, plan, login_as, create_article
):
    create_article(title="Article ouvert à tous")
    user = login_as("abonne@example.org", admin=False)
    subscribe(db, user, plan)
    page = client.get("/account").get_data(as_text=True)
    assert "Donne accès à 1 article réservé aux abonnés" in page
    assert f'href="/articles/{premium.slug}">Enquête exclusive</a>' in page
    assert "Article ouvert à tous" not in page


def test_the_admin_marks_an_article_for_subscribers(db, client, forms, admin, plan, create_article):
    article = create_article(title="À réserver", body=BODY)
    page = client.get(f"/admin/articles/{article.id}").get_data(as_text=True)
    assert "Réservé aux abonnés" in page
    forms.post(
        f"/admin/articles/{article.id}",
        {
            "title": "À réserver",
            "slug": article.slug,
            "category_id": str(article.category_id),
            "excerpt": "",
            "body": BODY,
            "offer_id": "0",
            "published_at": "2024-01-01T10:00",
            "subscribers_only": "y",
            "access_product_ids": [str(plan.id)],
        },
    )
    db.session.refresh(article)
    assert article.subscribers_only and [p.id for p in article.access_products] == [plan.id]
    forms.post("/account/logout")
    assert "SECRÈTE" not in page_of(client, article)
