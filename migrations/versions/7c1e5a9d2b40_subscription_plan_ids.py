"""subscription.plan_ids: the products a subscription bills now

A subscription switched to another plan (in the store, or in Stripe's customer portal or
dashboard) kept giving what its first order's lines gave. It now keeps the products its items
bill now, which the next sync from Stripe fills in (NULL until then: the order's lines say,
as before).

Revision ID: 7c1e5a9d2b40
Revises: 3a4b08c780b0
Create Date: 2026-12-05 17:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "7c1e5a9d2b40"
down_revision = "3a4b08c780b0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_ids", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_column("plan_ids")
