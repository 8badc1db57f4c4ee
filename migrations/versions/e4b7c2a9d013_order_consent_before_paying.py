"""order consent before paying

Revision ID: e4b7c2a9d013
Revises: 5d2e8a91c4f7
Create Date: 2026-11-28 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import store.database


# revision identifiers, used by Alembic.
revision = 'e4b7c2a9d013'
down_revision = '5d2e8a91c4f7'
branch_labels = None
depends_on = None


def upgrade():
    # Earlier orders stay NULL: their customers were never asked, nothing may be made up.
    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('consent_version', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('consented_at', store.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.drop_column('consented_at')
        batch_op.drop_column('consent_version')
        batch_op.drop_column('consent_text')
