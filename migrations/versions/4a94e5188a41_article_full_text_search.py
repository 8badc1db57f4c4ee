"""article full-text search: FTS5 table and triggers (SQLite), GIN index (PostgreSQL)

Revision ID: 4a94e5188a41
Revises: 4c4d133b5eec
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op

from store.search import schema


# revision identifiers, used by Alembic.
revision = '4a94e5188a41'
down_revision = '4c4d133b5eec'
branch_labels = None
depends_on = None


def upgrade():
    # The same statements as `create_all` runs (store/search/schema.py); on SQLite they also
    # index the articles already there.
    schema.create_search_objects(op.get_bind())


def downgrade():
    schema.drop_search_objects(op.get_bind())
