"""payments remember their Stripe invoice: id, number, hosted page and PDF

Revision ID: b7d2e5f1a9c3
Revises: a7d3f19c5e20
Create Date: 2026-11-28 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2e5f1a9c3'
down_revision = 'a7d3f19c5e20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_invoice_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('hosted_invoice_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('invoice_pdf_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('invoice_number', sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_payment_stripe_invoice_id'), ['stripe_invoice_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_stripe_invoice_id'))
        batch_op.drop_column('invoice_number')
        batch_op.drop_column('invoice_pdf_url')
        batch_op.drop_column('hosted_invoice_url')
        batch_op.drop_column('stripe_invoice_id')
