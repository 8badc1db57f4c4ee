"""order mode and order line interval are enums

Order.mode ("payment" / "subscription") and OrderLine.interval ("month" / "year", NULL for a
one-time line) keep the strings they hold; a CHECK constraint now refuses anything else, and
both become the VARCHAR(32) of every enum column.

Revision ID: 7ccac5cfde5d
Revises: b87103bdc035
Create Date: 2026-11-29 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7ccac5cfde5d'
down_revision = 'b87103bdc035'
branch_labels = None
depends_on = None

ORDER_MODES = ['payment', 'subscription']
INTERVALS = ['month', 'year']


def upgrade():
    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.alter_column('mode', existing_type=sa.String(length=16), type_=sa.String(length=32), existing_nullable=False)
        batch_op.create_check_constraint('order_mode', sa.column('mode').in_(ORDER_MODES))

    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.alter_column('interval', existing_type=sa.String(length=8), type_=sa.String(length=32), existing_nullable=True)
        batch_op.create_check_constraint('interval', sa.column('interval').in_(INTERVALS))


def downgrade():
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_order_line_interval'), type_='check')
        batch_op.alter_column('interval', existing_type=sa.String(length=32), type_=sa.String(length=8), existing_nullable=True)

    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_customer_order_order_mode'), type_='check')
        batch_op.alter_column('mode', existing_type=sa.String(length=32), type_=sa.String(length=16), existing_nullable=False)
