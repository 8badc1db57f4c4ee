"""Text from a browser arrives with CRLF line endings (and, from some tools, a lone CR):
whatever form takes it, the store keeps LF only."""

import sqlalchemy as sa
from flask_migrate import upgrade

from store import create_app
from store.extensions import db as _db

CRLF_TEXT = "Premier paragraphe.\r\n\r\n## Intertitre\r\n  \r\nSuite.\rFin."
LF_TEXT = "Premier paragraphe.\n\n## Intertitre\n  \nSuite.\nFin."


def text_values_holding_cr(db) -> list[tuple[str, str]]:
    """Every (table.column, value) of a text column that still holds a CR."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum):
                for value in db.session.scalars(sa.select(column).where(column.contains("\r"))):
                    found.append((f"{table.name}.{column.name}", value))
    return found


def test_every_form_stores_lf_line_endings(db, client, forms, admin, create_article):
    forms.post(
        "/admin/articles/new",
        {
            "title": "Avec CRLF",
            "new_category": "Actualités",
            "excerpt": CRLF_TEXT,
            "body": CRLF_TEXT,
            "offer_id": "0",
            "published_at": "2024-04-02T10:00",
        },
    )
    forms.post(
        "/admin/products/new",
        {
            "name": "Produit CRLF",
            "price": "7",
            "currency": "EUR",
            "billing": "one_time",
            "position": "1",
            "description": CRLF_TEXT,
        },
    )
    article = create_article()
    response = forms.post(
        f"/articles/{article.slug}/comments",
        {"body": CRLF_TEXT, "name": "Camille", "email": "camille@example.org"},
    )
    assert response.status_code == 303
    assert text_values_holding_cr(db) == []
    stored = db.session.execute(
        sa.text("SELECT body FROM article WHERE title = 'Avec CRLF'")
    ).scalar_one()
    assert stored == LF_TEXT
    assert db.session.execute(sa.text("SELECT body FROM comment")).scalar_one() == LF_TEXT
    assert (
        db.session.execute(
            sa.text("SELECT description FROM product WHERE name = 'Produit CRLF'")
        ).scalar_one()
        == LF_TEXT
    )


def test_a_multipart_form_is_normalised_too(db, forms, admin):
    response = forms.post(
        "/admin/articles/new",
        {
            "title": "Multipart",
            "new_category": "Actualités",
            "body": CRLF_TEXT,
            "offer_id": "0",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert text_values_holding_cr(db) == []


def test_the_migration_rewrites_rows_stored_with_crlf(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}",
        }
    )
    with app.app_context():
        upgrade(revision="4a94e5188a41")
        with _db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO article (slug, title, excerpt, body, created_at, updated_at,"
                    " subscribers_only) VALUES ('a', 'A', :text, :text,"
                    " '2024-04-02 08:00:00.000000', '2024-04-02 08:00:00.000000', 1)"
                ),
                {"text": CRLF_TEXT},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO product (slug, name, short_description, description, headline,"
                    " price_cents, currency, billing, active, position, created_at, updated_at)"
                    " VALUES ('p', 'P', '', :text, '', 700, 'EUR', 'one_time', 1, 0,"
                    " '2024-04-02 08:00:00.000000', '2024-04-02 08:00:00.000000')"
                ),
                {"text": CRLF_TEXT},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO comment (article_id, author_name, author_email, author_website,"
                    " body, status, created_at) SELECT id, 'C', 'c@example.org', '', :text,"
                    " 'approved', '2024-04-02 08:00:00.000000' FROM article"
                ),
                {"text": CRLF_TEXT},
            )
        upgrade()
        assert text_values_holding_cr(_db) == []
        body = _db.session.execute(sa.text("SELECT body FROM article")).scalar_one()
        assert body == LF_TEXT
        _db.session.remove()
