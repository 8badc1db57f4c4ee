"""account emails stored in Unicode NFC

An address typed with a decomposed accent (`i` + U+0301) and the same address typed composed
(`í`) were two accounts. The store now looks addresses up in NFC; this stores the existing ones
so. An address whose NFC form another account already has is left as it is (its owner logs in
with the form they registered with) and counted in the log.

Revision ID: d2a9c4e7f013
Revises: c8e4f2a6b1d0
Create Date: 2026-12-05 15:00:00.000000

"""
import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "d2a9c4e7f013"
down_revision = "c8e4f2a6b1d0"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")


def upgrade():
    connection = op.get_bind()
    user = sa.table("user_account", sa.column("id", sa.Integer), sa.column("email", sa.String))
    rows = connection.execute(sa.select(user.c.id, user.c.email)).all()
    taken = {email for _, email in rows}
    kept = 0
    for row_id, email in rows:
        normal = unicodedata.normalize("NFC", email).lower()
        if normal == email:
            continue
        if normal in taken:
            kept += 1
            continue
        connection.execute(user.update().where(user.c.id == row_id).values(email=normal))
        taken.add(normal)
    if kept:
        logger.warning("%d account email(s) left as typed: another account has its NFC form", kept)


def downgrade():
    pass  # NFC addresses are valid addresses: nothing to undo
