"""indexes for lists at volume; the search vector stored; trigram indexes

Every long list reads newest first through an index that ends in (created_at, id) or
(published_at, id), after its filter (status, category, customer). Order emails get an index
for the exact lookup. On PostgreSQL the article search document becomes a stored generated
column with its GIN index (the expression index made every match parse its article again), and
pg_trgm indexes serve the back office's substring searches, when the extension can be
installed. The statements are written out here, not read from store/search/schema.py, so that
this migration stays what it was when the schema module changes.

Revision ID: 5d8ce272c096
Revises: e5b1d8c3a7f2
Create Date: 2026-12-05 14:09:06.882553

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "5d8ce272c096"
down_revision = "e5b1d8c3a7f2"
branch_labels = None
depends_on = None


DOCUMENT = (
    "setweight(to_tsvector('store_french'::regconfig, coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('store_french'::regconfig, coalesce(excerpt, '')), 'B')"
    " || setweight(to_tsvector('store_french'::regconfig,"
    " CASE WHEN subscribers_only THEN '' ELSE coalesce(body, '') END), 'C')"
)
TRIGRAM = [
    ("user_account", "email"),
    ("customer_order", "email"),
    ("customer_order", "number"),
    ("article", "title"),
]

POSTGRESQL_UP = [
    "DROP INDEX IF EXISTS ix_article_search",
    f"ALTER TABLE article ADD COLUMN IF NOT EXISTS search_vector tsvector"
    f" GENERATED ALWAYS AS ({DOCUMENT}) STORED",
    "CREATE INDEX IF NOT EXISTS ix_article_search_vector ON article USING gin (search_vector)",
    "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; EXCEPTION WHEN OTHERS THEN NULL; END $$",
    *(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN"
        f" CREATE INDEX IF NOT EXISTS ix_{table}_{column}_trgm ON {table}"
        f" USING gin ({column} gin_trgm_ops); END IF; END $$"
        for table, column in TRIGRAM
    ),
]
POSTGRESQL_DOWN = [
    *(f"DROP INDEX IF EXISTS ix_{table}_{column}_trgm" for table, column in TRIGRAM),
    "DROP INDEX IF EXISTS ix_article_search_vector",
    "ALTER TABLE article DROP COLUMN IF EXISTS search_vector",
    f"CREATE INDEX IF NOT EXISTS ix_article_search ON article USING gin (({DOCUMENT}))",
]


def upgrade():
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_published_at"))
        batch_op.create_index(
            "ix_article_category_published", ["category_id", "published_at", "id"], unique=False
        )
        batch_op.create_index("ix_article_published", ["published_at", "id"], unique=False)
        batch_op.create_index(
            "ix_article_subscribers_published",
            ["published_at", "id"],
            unique=False,
            postgresql_where=sa.text("subscribers_only"),
            sqlite_where=sa.text("subscribers_only"),
        )

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_article_id"))
        batch_op.drop_index(batch_op.f("ix_comment_status"))
        batch_op.create_index(
            "ix_comment_article_status", ["article_id", "status", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_comment_status_created", ["status", "created_at", "id"], unique=False
        )

    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_order_created_at"))
        batch_op.drop_index(batch_op.f("ix_customer_order_status"))
        batch_op.drop_index(batch_op.f("ix_customer_order_user_id"))
        batch_op.create_index("ix_customer_order_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_customer_order_email", ["email"], unique=False)
        batch_op.create_index(
            "ix_customer_order_status_created", ["status", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_customer_order_user_created", ["user_id", "created_at", "id"], unique=False
        )

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_user_id"))
        batch_op.create_index(
            "ix_payment_user_created", ["user_id", "created_at", "id"], unique=False
        )

    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_status"))
        batch_op.drop_index(batch_op.f("ix_subscription_user_id"))
        batch_op.create_index("ix_subscription_created", ["created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_subscription_status_created", ["status", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_subscription_user_created", ["user_id", "created_at", "id"], unique=False
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index("ix_user_account_created", ["created_at", "id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_UP:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWN:
            op.execute(statement)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index("ix_user_account_created")

    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index("ix_subscription_user_created")
        batch_op.drop_index("ix_subscription_status_created")
        batch_op.drop_index("ix_subscription_created")
        batch_op.create_index(batch_op.f("ix_subscription_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscription_status"), ["status"], unique=False)

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_user_created")
        batch_op.create_index(batch_op.f("ix_payment_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_order_user_created")
        batch_op.drop_index("ix_customer_order_status_created")
        batch_op.drop_index("ix_customer_order_email")
        batch_op.drop_index("ix_customer_order_created")
        batch_op.create_index(batch_op.f("ix_customer_order_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_order_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customer_order_created_at"), ["created_at"], unique=False
        )

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_status_created")
        batch_op.drop_index("ix_comment_article_status")
        batch_op.create_index(batch_op.f("ix_comment_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_article_id"), ["article_id"], unique=False)

    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index("ix_article_subscribers_published")
        batch_op.drop_index("ix_article_published")
        batch_op.drop_index("ix_article_category_published")
        batch_op.create_index(batch_op.f("ix_article_published_at"), ["published_at"], unique=False)
