"""product.plan_of_id: the plans of one offer

The monthly and yearly "Accès à GPT 4" were two unrelated products: a subscriber to one could
buy the other, or the same again, and pay twice. A product now names the offer it is a plan
of; the demo's yearly plan becomes a plan of the monthly one where both are there.

Revision ID: 3a4b08c780b0
Revises: f2ba26f40faa
Create Date: 2026-12-05 16:03:58.613824

"""

import sqlalchemy as sa
from alembic import op

revision = "3a4b08c780b0"
down_revision = "f2ba26f40faa"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_product_plan_of_id_product"),
            "product",
            ["plan_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        "UPDATE product SET plan_of_id = (SELECT id FROM product AS monthly"
        " WHERE monthly.slug = 'acces-gpt-4') WHERE slug = 'acces-gpt-4-annuel'"
        " AND plan_of_id IS NULL"
    )


def downgrade():
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_product_plan_of_id_product"), type_="foreignkey")
        batch_op.drop_column("plan_of_id")
