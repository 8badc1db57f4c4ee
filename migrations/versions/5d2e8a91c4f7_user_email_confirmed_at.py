"""user email confirmed at

Revision ID: 5d2e8a91c4f7
Revises: 36ae8c243a55
Create Date: 2026-11-28 13:15:00.000000

"""
from alembic import op
import sqlalchemy as sa

import store.database


# revision identifiers, used by Alembic.
revision = '5d2e8a91c4f7'
down_revision = '36ae8c243a55'
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts stay unconfirmed (NULL): nobody ever proved they own those addresses.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', store.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
