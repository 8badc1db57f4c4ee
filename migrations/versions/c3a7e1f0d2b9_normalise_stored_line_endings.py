"""normalise stored line endings (CRLF and CR become LF)

Text saved from a browser before forms were normalised holds CRLF line endings, which the
old teaser did not cut (the paywall leaked). New text is normalised where it enters
(store/text.py); this rewrites the rows already stored.

Revision ID: c3a7e1f0d2b9
Revises: 4a94e5188a41
Create Date: 2026-11-28 09:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3a7e1f0d2b9"
down_revision = "4a94e5188a41"
branch_labels = None
depends_on = None

#: every multi-line text a form writes
COLUMNS = [
    ("article", "body"),
    ("article", "excerpt"),
    ("product", "description"),
    ("comment", "body"),
]


def upgrade():
    for table, column in COLUMNS:
        op.execute(
            sa.text(
                f"UPDATE {table} SET {column} = REPLACE(REPLACE({column}, :crlf, :lf), :cr, :lf)"
                f" WHERE {column} LIKE :has_cr"
            ).bindparams(crlf="\r\n", cr="\r", lf="\n", has_cr="%\r%")
        )


def downgrade():
    # LF is what every form now stores; there is nothing to restore.
    pass
