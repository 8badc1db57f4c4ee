"""comment.user_id: the account that wrote a comment, logged in

A comment was tied to an account by the email typed in the form, which any anonymous reader
could type: a stranger's comment then appeared in the customer's data export, filled their
comment form with its name and was deleted with their account. Existing comments get no
account: which of them a customer wrote logged in cannot be told apart from a stranger's that
used the same address, and giving a stranger's words to an account is the bug.

Revision ID: e5b1d8c3a7f2
Revises: d2a9c4e7f013
Create Date: 2026-12-05 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = "e5b1d8c3a7f2"
down_revision = "d2a9c4e7f013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_comment_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_comment_user_id_user_account"),
            "user_account",
            ["user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_comment_user_id_user_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_comment_user_id"))
        batch_op.drop_column("user_id")
