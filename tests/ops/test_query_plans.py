"""On PostgreSQL, the long lists and the search are served by their indexes.

Each page is requested as a visitor, the subscriber or the admin would, every statement it runs
is captured with its parameters, and PostgreSQL explains it with sequential scans discouraged
(`enable_seqscan = off`: the planner then scans a table whole only when no index can serve
the query). The expected index must appear in one of the page's plans, and no big table may
be scanned whole. At 100,000 articles and 500,000 orders (bench/scale) a missing index is a
page that takes seconds; here it is a failing test on a few rows."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from store.accounts.models import User
from store.articles.models import Article, Category, Comment, CommentStatus
from store.catalog.models import Billing
from store.database import utcnow
from store.orders.models import Order, OrderMode, OrderStatus
from store.payments.models import Payment, PaymentStatus
from store.subscriptions.models import Subscription, SubscriptionStatus
from tests.conftest import logged_in

#: the tables that grow with the site; a whole scan of one is the bug this file catches
BIG_TABLES = ("article", "comment", "customer_order", "user_account", "subscription", "payment")

#: (who, URL, an index one of its statements must use)
PAGES = [
    ("visitor", "/", "ix_article_published"),
    ("visitor", "/?page=20", "ix_article_published"),
    ("visitor", "/category/actualites", "ix_article_category_published"),
    ("visitor", "@article", "ix_comment_article_status"),
    ("visitor", "/search?q=lithium", "ix_article_search_vector"),
    ("visitor", "/en/search?q=lithium", "ix_article_search_vector"),
    ("visitor", "/sitemap-articles-1.xml", "pk_article"),
    ("subscriber", "/account", "ix_customer_order_user_created"),
    ("subscriber", "/account", "ix_payment_user_created"),
    ("subscriber", "/account", "ix_article_subscribers_published"),
    ("subscriber", "/account/articles", "ix_article_subscribers_published"),
    ("admin", "/admin/orders", "ix_customer_order_created"),
    ("admin", "/admin/orders?status=paid", "ix_customer_order_status_created"),
    ("admin", "/admin/orders?q=client@example.org", "ix_customer_order_email"),
    ("admin", "/admin/orders?q=GT-00000003", "uq_customer_order_number"),
    ("admin", "/admin/orders?q=client", "ix_customer_order_email_trgm"),
    ("admin", "/admin/customers", "ix_user_account_created"),
    ("admin", "/admin/customers?q=client", "ix_user_account_email_trgm"),
    ("admin", "/admin/articles?q=lithium", "ix_article_title_trgm"),
    ("admin", "/admin/comments?status=approved", "ix_comment_status_created"),
    ("admin", "/admin/subscriptions", "ix_subscription_created"),
    ("admin", "/admin/subscriptions?status=active", "ix_subscription_status_created"),
]


#: rows of each big table: enough for the planner to weigh its indexes as it will at volume
ROWS = 400


@pytest.fixture
def site(app, db, make_user, create_product, create_article):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plans (the suite's PostgreSQL pass runs this)")
    monthly = create_product(name="Accès", billing=Billing.MONTHLY, grants_articles=True)
    create_article(title="Le lithium", body="Le lithium et le cobalt.")
    customer = make_user("client@example.org")
    now = utcnow()
    words = ["cobalt", "nickel", "batteries", "voitures", "recharge", "puces", "modèles"]
    db.session.add_all(Category(slug=f"rubrique-{n}", name=f"Rubrique {n}") for n in range(7))
    db.session.flush()
    categories = db.session.scalars(sa.select(Category.id)).all()
    db.session.execute(
        sa.insert(Article),
        [
            {
                "slug": f"a-{n}",
                "title": f"Titre {words[n % 7]} {n}",
                "excerpt": "",
                "body": f"Un texte sur les {words[n % 7]} et les {words[(n + 3) % 7]}.",
                "category_id": categories[n % len(categories)],
                "published_at": now - timedelta(hours=n + 1),
                "subscribers_only": n % 7 == 0,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(ROWS)
        ],
    )
    first = db.session.scalar(sa.select(sa.func.min(Article.id)))
    db.session.execute(
        sa.insert(Comment),
        [
            {
                "article_id": first + n % 50,
                "author_name": "Lecteur",
                "author_email": "l@example.org",
                "author_website": "",
                "body": "Bien.",
                "status": CommentStatus.APPROVED if n % 3 else CommentStatus.PENDING,
                "created_at": now - timedelta(minutes=n),
            }
            for n in range(ROWS * 2)
        ],
    )
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"c{n}@example.org",
                "password_hash": "x",
                "session_token": f"t{n}",
                "created_at": now - timedelta(minutes=n),
            }
            for n in range(ROWS * 5)
        ],
    )
    first_user = db.session.scalar(sa.select(sa.func.min(User.id)).where(User.email.like("c%")))
    db.session.execute(
        sa.insert(Order),
        [
            {
                "number": f"GT-{n:08d}",
                "user_id": customer.id if n < 5 else first_user + n % ROWS,
                "email": customer.email if n < 5 else f"c{n % ROWS}@example.org",
                "status": OrderStatus.PAID if n % 4 else OrderStatus.PENDING_PAYMENT,
                "currency": "EUR",
                "total_cents": 700,
                "mode": OrderMode.SUBSCRIPTION,
                "discount_cents": 0,
                "created_at": now - timedelta(minutes=n),
                "updated_at": now,
            }
            for n in range(ROWS * 2)
        ],
    )
    orders = db.session.execute(sa.select(Order.id, Order.user_id)).all()
    db.session.execute(
        sa.insert(Subscription),
        [
            {
                "stripe_subscription_id": f"sub_{order_id}",
                "stripe_customer_id": f"cus_{user_id}",
                "user_id": user_id,
                "order_id": order_id,
                "product_id": monthly.id,
                "status": SubscriptionStatus.ACTIVE
                if order_id % 3
                else SubscriptionStatus.CANCELED,
                "cancel_at_period_end": False,
                "created_at": now - timedelta(minutes=order_id),
                "updated_at": now,
            }
            for order_id, user_id in orders
        ],
    )
    db.session.execute(
        sa.insert(Payment),
        [
            {
                "stripe_id": f"in_{order_id}",
                "order_id": order_id,
                "user_id": user_id,
                "amount_cents": 700,
                "currency": "EUR",
                "status": PaymentStatus.PAID,
                "created_at": now - timedelta(minutes=order_id),
                "updated_at": now,
            }
            for order_id, user_id in orders
        ],
    )
    db.session.commit()
    # What autovacuum does on a live site: the rows just inserted move from each GIN index's
    # pending list into the index (the planner prices a long pending list as a slow index),
    # and the statistics are gathered.
    db.session.execute(
        sa.text(
            "SELECT gin_clean_pending_list(i.indexrelid::regclass) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
            " WHERE a.amname = 'gin'"
        )
    )
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()  # the statistics are kept only if the transaction is
    return {
        "visitor": app.test_client(),
        "subscriber": logged_in(app, customer).client,
        "admin": logged_in(app, make_user("patron@example.org", admin=True)).client,
        "@article": "/articles/a-0",
    }


def plans_of(db, client, url: str) -> list[str]:
    """The plan of every statement the page runs, sequential scans discouraged."""
    executed: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            executed.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        response = client.get(url)
        response.get_data()
        assert response.status_code == 200, (url, response.status_code)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    plans = []
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in executed:
            rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            plans.append("\n".join(row[0] for row in rows))
    return plans


@pytest.mark.parametrize(("who", "url", "index"), PAGES, ids=[f"{w} {u}" for w, u, _ in PAGES])
def test_each_long_list_and_the_search_use_their_index(db, site, who, url, index):
    plans = plans_of(db, site[who], site.get(url, url))
    assert any(index in plan for plan in plans), "\n\n".join(plans)
    for plan in plans:
        for table in BIG_TABLES:
            assert f"Seq Scan on {table} " not in plan + " ", plan
