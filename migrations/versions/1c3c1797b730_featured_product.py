"""featured product: the home page banner's offer is chosen in the back office

At most one product is featured (a partial unique index). None is featured after this
migration: the banner keeps showing the first product with a sales headline until the admin
chooses one.

Revision ID: 1c3c1797b730
Revises: 7ccac5cfde5d
Create Date: 2026-11-28 12:02:06.695838

"""
from alembic import op
import sqlalchemy as sa

import store.database


# revision identifiers, used by Alembic.
revision = '1c3c1797b730'
down_revision = '7ccac5cfde5d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('featured', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('uq_product_one_featured', ['featured'], unique=True, sqlite_where=sa.text('featured'), postgresql_where=sa.text('featured'))


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('uq_product_one_featured', sqlite_where=sa.text('featured'), postgresql_where=sa.text('featured'))
        batch_op.drop_column('featured')
