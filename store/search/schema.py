"""The database objects behind the article search, defined once for migrations and `create_all`.

SQLite: an external-content FTS5 table `article_fts` (title, excerpt, body) whose rowid is the
article id, filled by triggers on `article`. The `unicode61 remove_diacritics 2` tokenizer folds
case and accents, so "differend" finds "différend".

PostgreSQL: the column `article.search_vector`, generated and stored by the database from
`SEARCH_DOCUMENT` (a weighted tsvector in the text search configuration `store_french`: French
stemming, and accents folded by `unaccent` when the extension can be installed, otherwise a
plain copy of `french`), with a GIN index. Stored, a match is ranked and rechecked without
parsing the article again (an expression index kept nothing: every match recomputed the
vector of its whole body, 0.4 ms an article). The models do not map the column: nothing the
store reads or writes needs it but the search.

PostgreSQL also gets trigram indexes (`pg_trgm`, when it can be installed) on what the back
office searches by substring: account and order emails, article titles.

Subscriber-only articles are searched on their title and excerpt only: their body is never
indexed (an empty string stands in for it), so a search cannot reveal words of paid text.

A batch migration on `article` (SQLite copies and renames the table) drops its triggers: such a
migration must call `create_search_objects` again afterwards.
"""

import sqlalchemy as sa

from store.accounts.models import User
from store.articles.models import Article
from store.orders.models import Order

#: the PostgreSQL text search configuration of the documents and the queries
PG_CONFIG = "store_french"
#: the PostgreSQL column holding `SEARCH_DOCUMENT`, and its index
PG_COLUMN = "search_vector"
PG_INDEX = "ix_article_search_vector"
#: the expression index it replaces (dropped by the migration that made the column)
OLD_PG_INDEX = "ix_article_search"
#: (table, column) searched by substring in the back office (`ILIKE '%…%'`)
TRIGRAM_INDEXES = [
    ("user_account", "email"),
    ("customer_order", "email"),
    ("customer_order", "number"),
    ("article", "title"),
]


def trigram_index(table: str, column: str) -> str:
    return f"ix_{table}_{column}_trgm"


#: the SQLite FTS5 table (its shadow tables are named article_fts_*)
FTS_TABLE = "article_fts"

#: the weighted document searched on PostgreSQL; queries repeat it verbatim so that the planner
#: uses the expression index (the configuration name is a literal, never a bound parameter)
SEARCH_DOCUMENT = (
    f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, coalesce(title, '')), 'A')"
    f" || setweight(to_tsvector('{PG_CONFIG}'::regconfig, coalesce(excerpt, '')), 'B')"
    f" || setweight(to_tsvector('{PG_CONFIG}'::regconfig,"
    " CASE WHEN subscribers_only THEN '' ELSE coalesce(body, '') END), 'C')"
)

# SQLite: what the FTS table holds for an article row (an empty body when subscriber-only).
# An external-content table must be told the old values to remove a row, hence the 'delete'.
_SQLITE_INSERT_NEW = (
    "INSERT INTO article_fts(rowid, title, excerpt, body) VALUES (new.id, new.title,"
    " new.excerpt, CASE WHEN new.subscribers_only THEN '' ELSE new.body END);"
)
_SQLITE_DELETE_OLD = (
    "INSERT INTO article_fts(article_fts, rowid, title, excerpt, body) VALUES ('delete', old.id,"
    " old.title, old.excerpt, CASE WHEN old.subscribers_only THEN '' ELSE old.body END);"
)

CREATE_STATEMENTS: dict[str, list[str]] = {
    "sqlite": [
        "CREATE VIRTUAL TABLE IF NOT EXISTS article_fts USING fts5(title, excerpt, body,"
        " content='article', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER IF NOT EXISTS article_fts_insert AFTER INSERT ON article"
        f" BEGIN {_SQLITE_INSERT_NEW} END",
        "CREATE TRIGGER IF NOT EXISTS article_fts_delete AFTER DELETE ON article"
        f" BEGIN {_SQLITE_DELETE_OLD} END",
        "CREATE TRIGGER IF NOT EXISTS article_fts_update"
        " AFTER UPDATE OF id, title, excerpt, body, subscribers_only ON article"
        f" BEGIN {_SQLITE_DELETE_OLD} {_SQLITE_INSERT_NEW} END",
        # The articles already there (a migration on a live database); never 'rebuild', which
        # would read the subscriber-only bodies back from the article table.
        "INSERT INTO article_fts(rowid, title, excerpt, body) SELECT id, title, excerpt,"
        " CASE WHEN subscribers_only THEN '' ELSE body END FROM article",
    ],
    "postgresql": [
        # unaccent is a trusted extension (PostgreSQL 13+): the database owner may install it.
        # Without it, the configuration is a plain copy of 'french' (no accent folding).
        """DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'store_french') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS unaccent;
      CREATE TEXT SEARCH CONFIGURATION store_french (COPY = french);
      ALTER TEXT SEARCH CONFIGURATION store_french
        ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    EXCEPTION WHEN OTHERS THEN
      CREATE TEXT SEARCH CONFIGURATION store_french (COPY = french);
    END;
  END IF;
END $$""",
        f"ALTER TABLE article ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector"
        f" GENERATED ALWAYS AS ({SEARCH_DOCUMENT}) STORED",
        f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON article USING gin ({PG_COLUMN})",
    ],
}

#: PostgreSQL: pg_trgm is trusted (PostgreSQL 13+); without it the substring searches scan
TRIGRAM_EXTENSION = """DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  NULL;
END $$"""


def trigram_statement(table: str, column: str) -> str:
    """The index, created only where pg_trgm is installed (names from TRIGRAM_INDEXES)."""
    create = f"CREATE INDEX IF NOT EXISTS {trigram_index(table, column)} ON {table}"
    using = f" USING gin ({column} gin_trgm_ops);"
    return _IF_TRIGRAM.replace("@CREATE@", create + using)


_IF_TRIGRAM = """DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    @CREATE@
  END IF;
END $$"""


DROP_STATEMENTS: dict[str, list[str]] = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS article_fts_insert",
        "DROP TRIGGER IF EXISTS article_fts_delete",
        "DROP TRIGGER IF EXISTS article_fts_update",
        f"DROP TABLE IF EXISTS {FTS_TABLE}",
    ],
    "postgresql": [
        f"DROP INDEX IF EXISTS {PG_INDEX}",
        # the expression index of before the column, which a downgrade of the column's
        # migration puts back: it uses the configuration dropped below
        f"DROP INDEX IF EXISTS {OLD_PG_INDEX}",
        f"ALTER TABLE article DROP COLUMN IF EXISTS {PG_COLUMN}",
        f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}",
    ],
}


def create_search_objects(connection: sa.Connection) -> None:
    """Create (and fill) the search table or index on this connection's database."""
    for statement in CREATE_STATEMENTS.get(connection.dialect.name, []):
        connection.execute(sa.DDL(statement))


def drop_search_objects(connection: sa.Connection) -> None:
    """Drop what `create_search_objects` created."""
    for statement in DROP_STATEMENTS.get(connection.dialect.name, []):
        connection.execute(sa.DDL(statement))


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: the search objects live outside the models' metadata."""
    if (
        type_ == "table"
        and name is not None
        and (name == FTS_TABLE or name.startswith("article_fts_"))
    ):
        return False
    if type_ == "column" and name == PG_COLUMN:
        return False
    outside = {PG_INDEX, *(trigram_index(*pair) for pair in TRIGRAM_INDEXES)}
    return not (type_ == "index" and name in outside)


# `create_all` (the tests) builds the same objects as the migration, from the same statements.
for _dialect, _statements in CREATE_STATEMENTS.items():
    for _statement in _statements:
        sa.event.listen(
            Article.__table__, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect)
        )
_TABLES = {model.__tablename__: model.__table__ for model in (User, Order, Article)}
for _table, _column in TRIGRAM_INDEXES:
    for _statement in (TRIGRAM_EXTENSION, trigram_statement(_table, _column)):
        sa.event.listen(
            _TABLES[_table],
            "after_create",
            sa.DDL(_statement).execute_if(dialect="postgresql"),
        )
# The FTS table outlives `drop_all` otherwise (the triggers and the index go with the table).
sa.event.listen(
    Article.__table__,
    "before_drop",
    sa.DDL(f"DROP TABLE IF EXISTS {FTS_TABLE}").execute_if(dialect="sqlite"),
)
