"""The search migration: built on a live database, it indexes the articles already there."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from store import create_app
from store.extensions import db as _db
from store.search.schema import include_object
from store.search.services import search_articles
from tests.conftest import empty_schema, postgresql_url

INSERT_ARTICLE = sa.text(
    "INSERT INTO article (slug, title, excerpt, body, published_at, created_at, updated_at,"
    " subscribers_only) VALUES (:slug, :title, :excerpt, :body, '2024-04-02 08:00:00.000000',"
    " '2024-04-02 08:00:00.000000', '2024-04-02 08:00:00.000000', :paid)"
)


def test_the_migration_indexes_existing_articles_and_the_models_still_match(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}",
        }
    )
    with app.app_context():
        upgrade(revision="4c4d133b5eec")
        with _db.engine.begin() as connection:
            for slug, body, paid in [("libre", "Le lithium", False), ("payant", "Le cobalt", True)]:
                connection.execute(
                    INSERT_ARTICLE,
                    {
                        "slug": slug,
                        "title": slug,
                        "excerpt": "Batteries",
                        "body": body,
                        "paid": paid,
                    },
                )
        upgrade()

        assert [r.article.slug for r in search_articles("lithium").items] == ["libre"]
        assert search_articles("cobalt").total == 0  # a subscriber-only body is not indexed
        assert search_articles("batteries").total == 2
        _db.session.remove()

        with _db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object}
            )
            assert compare_metadata(context, _db.metadata) == []

        downgrade(revision="4c4d133b5eec")
        with _db.engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
        assert not [name for name in names if name.startswith("article_fts")]


def test_on_postgresql_the_search_migrations_go_down_and_up_again(worker_database):
    """Down past the stored column (its migration puts the expression index back) and past
    the search itself (which drops the text search configuration that index uses), then up."""
    url = postgresql_url()
    if url is None:
        pytest.skip("PostgreSQL's search objects")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        empty_schema(_db.engine)
        try:
            upgrade()
            downgrade(revision="4c4d133b5eec")
            upgrade()
            with _db.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"include_object": include_object}
                )
                assert compare_metadata(context, _db.metadata) == []
        finally:
            _db.session.remove()
            empty_schema(_db.engine)
            _db.engine.dispose()
    worker_database.built = False
