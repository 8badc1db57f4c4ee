"""subscription.monthly_value_cents: what each subscription brings per month, kept

The dashboard summed, in SQL, every paid-up subscription's order lines: 190 to 390 ms over
100,000 subscriptions. Each row now carries its value (store/subscriptions/models.py keeps it
on every write); this fills it for the rows already there, with the same rule: the order's
recurring lines per month (a yearly line counts for 1/12, rounded half up), else the product's
price per month.

Revision ID: f2ba26f40faa
Revises: 5d8ce272c096
Create Date: 2026-12-05 15:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "f2ba26f40faa"
down_revision = "5d8ce272c096"
branch_labels = None
depends_on = None

FILL = """
UPDATE subscription SET monthly_value_cents = coalesce(
    (SELECT sum((2 * l.unit_price_cents * l.quantity + CASE WHEN l.interval = 'year' THEN 12 ELSE 1 END)
                / (2 * CASE WHEN l.interval = 'year' THEN 12 ELSE 1 END))
     FROM order_line AS l
     WHERE l.order_id = subscription.order_id AND l.interval IS NOT NULL),
    (SELECT (2 * p.price_cents + CASE WHEN p.billing = 'year' THEN 12 ELSE 1 END)
            / (2 * CASE WHEN p.billing = 'year' THEN 12 ELSE 1 END)
     FROM product AS p WHERE p.id = subscription.product_id AND p.billing <> 'one_time'),
    0)
"""


def upgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("monthly_value_cents", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(FILL)


def downgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_column("monthly_value_cents")
