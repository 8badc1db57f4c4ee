"""A customer's pages, the back office's lists and the dashboard run the same SQL statements
with 10 or 1,000 orders, payments, subscriptions, customers, comments and subscriber-only
articles, and keep to a budget (tests/ops/test_query_counts.py does the public pages).

At a news site's volume (bench/scale: 500,000 orders, 200,000 customers…) a page whose
statements grew with the rows took seconds: the dashboard ran one query per subscription,
/account one per order and listed every article a subscription opens."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from store.accounts.models import User
from store.articles.models import Article, Category, Comment, CommentStatus
from store.catalog.models import Billing
from store.database import utcnow
from store.orders.models import Order, OrderLine, OrderMode, OrderStatus
from store.payments.models import Customer, Payment, PaymentStatus
from store.subscriptions.models import Subscription, SubscriptionStatus
from tests.conftest import logged_in

#: statements each page runs; the same at 10 and at 1,000 rows of everything
BUDGET = {
    ("subscriber", "/account"): 20,
    ("subscriber", "/account/orders"): 7,
    ("subscriber", "/account/payments"): 4,
    ("subscriber", "/account/articles"): 8,
    ("subscriber", "@paid_article"): 12,
    ("admin", "/admin/"): 6,
    ("admin", "/admin/orders"): 3,
    ("admin", "/admin/orders?status=paid"): 3,
    ("admin", "/admin/orders?q=c1"): 3,
    ("admin", "/admin/orders?q=GT-00000005"): 3,
    ("admin", "/admin/orders?q=c5@example.org"): 3,
    ("admin", "/admin/customers"): 3,
    ("admin", "/admin/customers?q=c1"): 3,
    ("admin", "@customer"): 10,
    ("admin", "/admin/articles"): 3,
    ("admin", "/admin/articles?q=Réservé"): 3,
    ("admin", "/admin/comments"): 3,
    ("admin", "/admin/comments?status=approved"): 3,
    ("admin", "/admin/subscriptions"): 5,
    ("admin", "/admin/subscriptions?status=active"): 5,
}


class Shop:
    """A subscriber whose subscription opens every subscriber-only article, and an admin;
    `grow(n)` adds n of everything."""

    def __init__(self, app, db, make_user, create_product):
        self.db = db
        self.monthly = create_product(
            name="Accès",
            billing=Billing.MONTHLY,
            grants_articles=True,
            grants_access_key=True,
            price_cents=700,
        )
        # a file to download and a key with every one-time order: what /account reads per order
        self.guide = create_product(
            name="Guide",
            price_cents=1900,
            grants_download=True,
            grants_access_key=True,
            file_key="0" * 32 + ".pdf",
            file_name="guide.pdf",
            file_size=1000,
            file_type="application/pdf",
        )
        self.subscriber = make_user("abonne@example.org")
        self.category = Category(slug="actu", name="Actu")
        db.session.add(self.category)
        db.session.add(Customer(user_id=self.subscriber.id, stripe_customer_id="cus_abonne"))
        order = Order(
            number="GT-SUBSCRIB",
            user_id=self.subscriber.id,
            email=self.subscriber.email,
            status=OrderStatus.PAID,
            currency="EUR",
            total_cents=700,
            mode=OrderMode.SUBSCRIPTION,
            lines=[
                OrderLine(
                    product=self.monthly,
                    title="Accès",
                    unit_price_cents=700,
                    currency="EUR",
                    interval=Billing.MONTHLY.interval,
                    quantity=1,
                )
            ],
        )
        db.session.add(order)
        db.session.flush()
        db.session.add(
            Subscription(
                stripe_subscription_id="sub_abonne",
                stripe_customer_id="cus_abonne",
                user_id=self.subscriber.id,
                order_id=order.id,
                product_id=self.monthly.id,
                status=SubscriptionStatus.ACTIVE,
                current_period_end=utcnow() + timedelta(days=20),
            )
        )
        db.session.commit()
        self.browsers = {
            "subscriber": logged_in(app, self.subscriber),
            "admin": logged_in(app, make_user("patron@example.org", admin=True)),
        }
        self.size = 0

    def grow(self, count: int) -> None:
        db, now, numbers = self.db, utcnow(), range(self.size, self.size + count)
        self.size += count
        db.session.execute(
            sa.insert(User),
            [
                {
                    "email": f"c{n}@example.org",
                    "password_hash": "x",
                    "session_token": f"token-{n}",
                    "created_at": now - timedelta(minutes=n),
                }
                for n in numbers
            ],
        )
        db.session.execute(
            sa.insert(Order),
            [
                {
                    "number": f"GT-{n:08d}",
                    "user_id": self.subscriber.id,
                    "email": self.subscriber.email,
                    "status": OrderStatus.PAID,
                    "currency": "EUR",
                    "total_cents": 1900,
                    "mode": OrderMode.PAYMENT,
                    "discount_cents": 0,
                    "created_at": now - timedelta(minutes=n),
                    "updated_at": now,
                }
                for n in numbers
            ],
        )
        orders = db.session.execute(
            sa.select(Order.id, Order.number).where(
                Order.number.in_([f"GT-{n:08d}" for n in numbers])
            )
        ).all()
        db.session.execute(
            sa.insert(OrderLine),
            [
                {
                    "order_id": order_id,
                    "product_id": self.guide.id,
                    "title": "Guide",
                    "unit_price_cents": 1900,
                    "currency": "EUR",
                    "quantity": 1,
                }
                for order_id, _ in orders
            ],
        )
        db.session.execute(
            sa.insert(Payment),
            [
                {
                    "stripe_id": f"cs_{number}",
                    "order_id": order_id,
                    "user_id": self.subscriber.id,
                    "amount_cents": 1900,
                    "currency": "EUR",
                    "status": PaymentStatus.PAID,
                    "hosted_invoice_url": "https://invoice.stripe.com/i/x",
                    "created_at": now,
                    "updated_at": now,
                }
                for order_id, number in orders
            ],
        )
        customers = db.session.scalars(
            sa.select(User.id).where(User.email.in_([f"c{n}@example.org" for n in numbers]))
        ).all()
        db.session.execute(
            sa.insert(Subscription),
            [
                {
                    "stripe_subscription_id": f"sub_{user_id}",
                    "stripe_customer_id": f"cus_{user_id}",
                    "user_id": user_id,
                    "product_id": self.monthly.id,
                    "status": SubscriptionStatus.ACTIVE,
                    "cancel_at_period_end": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for user_id in customers
            ],
        )
        db.session.execute(
            sa.insert(Article),
            [
                {
                    "slug": f"reserve-{n}",
                    "title": f"Réservé {n}",
                    "excerpt": "",
                    "body": "Texte.",
                    "body_html": "<p>Texte.</p>",
                    "teaser_html": "<p>Texte.</p>",
                    "category_id": self.category.id,
                    "published_at": now - timedelta(minutes=n + 1),
                    "subscribers_only": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in numbers
            ],
        )
        first = db.session.scalar(sa.select(sa.func.min(Article.id)))
        db.session.execute(
            sa.insert(Comment),
            [
                {
                    "article_id": first,
                    "author_name": f"Lecteur {n}",
                    "author_email": "l@example.org",
                    "author_website": "",
                    "body": "Bien.",
                    "status": CommentStatus.APPROVED if n % 2 else CommentStatus.PENDING,
                    "created_at": now,
                }
                for n in numbers
            ],
        )
        db.session.commit()

    def url(self, path: str) -> str:
        if path == "@paid_article":
            slug = self.db.session.scalar(
                sa.select(Article.slug).order_by(Article.published_at.desc()).limit(1)
            )
            return f"/articles/{slug}"
        if path == "@customer":
            return f"/admin/customers/{self.subscriber.id}"
        return path

    def statements(self) -> dict[tuple[str, str], int]:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        for who, path in BUDGET:  # once before counting: keys are issued on the first visit
            self.browsers[who].client.get(self.url(path)).close()
        counts = {}
        sa.event.listen(self.db.engine, "before_cursor_execute", count)
        try:
            for who, path in BUDGET:
                url = self.url(path)
                seen.clear()
                response = self.browsers[who].client.get(url)
                assert response.status_code == 200, (who, url, response.status_code)
                counts[(who, path)] = len(seen)
        finally:
            sa.event.remove(self.db.engine, "before_cursor_execute", count)
        return counts


@pytest.fixture
def shop(app, db, make_user, create_product):
    return Shop(app, db, make_user, create_product)


def test_statements_per_page_are_the_same_with_10_or_1000_of_everything(shop):
    shop.grow(10)
    with_10 = shop.statements()
    assert with_10 == BUDGET
    shop.grow(990)
    assert shop.statements() == with_10


def test_the_account_lists_the_newest_and_links_to_the_rest(shop):
    shop.grow(30)
    page = shop.browsers["subscriber"].client.get("/account").get_data(as_text=True)
    orders = page.split('id="orders-title"')[1].split('id="payments-title"')[0]
    assert orders.count('href="/account/orders/GT-') == 10
    assert 'href="/account/orders">' in page and 'href="/account/payments">' in page
    assert "Donne accès à 30 articles réservés aux abonnés" in page
    assert page.count('href="/articles/reserve-') == 5 and 'href="/account/articles">' in page
    second = shop.browsers["subscriber"].client.get("/account/orders?page=2").get_data(True)
    assert second.count('href="/account/orders/GT-') == 11  # 20 a page, 31 orders in all
    articles = shop.browsers["subscriber"].client.get("/account/articles").get_data(True)
    assert articles.count('href="/articles/reserve-') == 20


def test_the_account_page_stays_small_with_1000_of_everything(shop):
    shop.grow(1001)
    page = shop.browsers["subscriber"].client.get("/account")
    assert len(page.get_data()) <= 60_000
    text = " ".join(page.get_data(as_text=True).replace("\u202f", " ").split())
    assert "Donne accès à plus de 1 000 articles réservés aux abonnés" in text


def test_a_past_due_subscription_warns_wherever_it_falls_in_the_list(shop, db):
    """/account shows the 10 newest subscriptions; an old one whose payment failed still gets
    its banner, and /account/subscriptions lists them all."""
    for n in range(12):
        db.session.add(
            Subscription(
                stripe_subscription_id=f"sub_new_{n}",
                stripe_customer_id="cus_abonne",
                user_id=shop.subscriber.id,
                product_id=shop.monthly.id,
                status=SubscriptionStatus.ACTIVE,
                created_at=utcnow() + timedelta(minutes=n + 1),
            )
        )
    old = db.session.scalar(
        sa.select(Subscription).where(Subscription.stripe_subscription_id == "sub_abonne")
    )
    old.status = SubscriptionStatus.PAST_DUE
    old.past_due_since = utcnow()
    db.session.commit()
    browser = shop.browsers["subscriber"].client
    page = browser.get("/account").get_data(as_text=True)
    assert page.count('class="subscription"') == 10
    assert "Le dernier paiement de votre abonnement « Accès » a échoué" in page
    assert 'href="/account/subscriptions">' in page
    everything = browser.get("/account/subscriptions").get_data(as_text=True)
    assert everything.count('class="subscription"') == 13


def test_a_customers_own_lists_go_as_far_back_as_they_bought(shop, monkeypatch):
    """The news stops at MAX_LIST_PAGE; a customer's orders do not."""
    from store import pagination

    monkeypatch.setattr(pagination, "MAX_LIST_PAGE", 1)
    shop.grow(45)
    browser = shop.browsers["subscriber"].client
    last = browser.get("/account/orders?page=3").get_data(as_text=True)
    assert last.count('href="/account/orders/GT-') == 6  # 46 orders, 20 a page
    admin = shop.browsers["admin"].client
    theirs = admin.get(f"/admin/orders?customer={shop.subscriber.id}").get_data(as_text=True)
    assert "Les commandes de abonne@example.org" in theirs
    assert theirs.count('href="/admin/orders/') == 20
