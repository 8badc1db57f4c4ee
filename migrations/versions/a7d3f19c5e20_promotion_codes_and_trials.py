"""promotion codes on orders, free trials on products

Revision ID: a7d3f19c5e20
Revises: da4f69a2dd7d
Create Date: 2026-11-28 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3f19c5e20'
down_revision = 'da4f69a2dd7d'
branch_labels = None
depends_on = None


def upgrade():
    # Earlier orders had no discount: 0 is what they were charged less.
    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discount_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('promotion_code', sa.String(length=255), nullable=True))
        batch_op.create_check_constraint('discount_not_negative', sa.text('discount_cents >= 0'))

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trial_days', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('trial_days_in_range', sa.text('trial_days BETWEEN 1 AND 730'))


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_product_trial_days_in_range'), type_='check')
        batch_op.drop_column('trial_days')

    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_customer_order_discount_not_negative'), type_='check')
        batch_op.drop_column('promotion_code')
        batch_op.drop_column('discount_cents')
