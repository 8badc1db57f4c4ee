"""user session token, and account ids never reused on SQLite

A session or remember-me cookie carried "<id>:<session version>", the version starting at 1 for
every account, and SQLite gave a deleted account's id to the next one: a kept cookie opened the
next account registered. Each account now has a random token instead, and user_account is
rebuilt on SQLite with AUTOINCREMENT (PostgreSQL's sequence never goes back). Every existing
session ends: each account gets a new token.

Revision ID: c8e4f2a6b1d0
Revises: b7d3e5f1a2c4
Create Date: 2026-12-05 14:00:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c8e4f2a6b1d0"
down_revision = "b7d3e5f1a2c4"
branch_labels = None
depends_on = None

#: rows given their token per statement
BATCH = 1000


def _fill_tokens() -> None:
    connection = op.get_bind()
    user = sa.table("user_account", sa.column("id", sa.Integer), sa.column("session_token"))
    ids = connection.execute(sa.select(user.c.id).order_by(user.c.id)).scalars().all()
    statement = user.update().where(user.c.id == sa.bindparam("row_id"))
    for start in range(0, len(ids), BATCH):
        connection.execute(
            statement.values(session_token=sa.bindparam("token")),
            [
                {"row_id": row_id, "token": secrets.token_urlsafe(32)}
                for row_id in ids[start : start + BATCH]
            ],
        )


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "user_account",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True},
    ) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
        batch_op.drop_column("session_version")
    _fill_tokens()
    # SQLite rebuilds the table again for NOT NULL: with AUTOINCREMENT again.
    with op.batch_alter_table(
        "user_account", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
    if sqlite:
        # The rebuilt table's counter starts at the highest id left: an id freed by deleting
        # the newest accounts before this upgrade would be given once more. A margin keeps it
        # clear of those (references to a deleted account may linger, e.g. Stripe metadata).
        op.execute("UPDATE sqlite_sequence SET seq = seq + 1000 WHERE name = 'user_account'")


def downgrade():
    with op.batch_alter_table("user_account", recreate="auto") as batch_op:
        # A version no cookie from before the upgrade carries (they all said 1 or more, and
        # a stolen one from before a logout must not open the account again).
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default=str(2**30), nullable=False)
        )
        batch_op.drop_column("session_token")
