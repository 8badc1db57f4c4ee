"""The accounts' migrations, on SQLite and PostgreSQL. Session tokens: every stored account
gets a random token of its own (every session from before ends), a cookie of the old
"<id>:<version>" form opens nothing, and an id freed by deleting the newest account is never
given again. Emails: stored in NFC, so that either form typed finds the account."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from store import create_app
from store.accounts.models import User
from store.extensions import db as _db
from store.search.schema import include_object
from tests.conftest import empty_schema, postgresql_url

BEFORE = "b7d3e5f1a2c4"
BEFORE_NFC = "c8e4f2a6b1d0"

INSERT_USER = sa.text(
    "INSERT INTO user_account (email, password_hash, is_admin, locale, created_at)"
    " VALUES (:email, 'x', false, 'fr', '2024-04-02 08:00:00.000000')"
)


@pytest.fixture
def migrated_app(tmp_path, worker_database):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": postgresql_url() or f"sqlite:///{tmp_path / 'migrated.db'}",
        }
    )
    with app.app_context():
        empty_schema(_db.engine)
        yield app
        _db.session.remove()
        empty_schema(_db.engine)
        _db.engine.dispose()
    worker_database.built = False  # on PostgreSQL, the next test's app builds the schema again


def test_every_account_gets_its_own_token_and_ids_are_never_given_again(migrated_app):
    upgrade(revision=BEFORE)
    with _db.engine.begin() as connection:
        for email in ("a@example.org", "b@example.org", "c@example.org", "gone@example.org"):
            connection.execute(INSERT_USER, {"email": email})
        # the newest account deleted before the upgrade: its id must not come back either
        gone = connection.scalar(sa.text("SELECT max(id) FROM user_account"))
        connection.execute(sa.text("DELETE FROM user_account WHERE id = :id"), {"id": gone})
    upgrade()
    _db.session.add(User(email="first-after@example.org", password_hash="x"))
    _db.session.commit()
    assert _db.session.scalar(sa.select(sa.func.max(User.id))) > gone
    _db.session.delete(_db.session.scalar(sa.select(User).where(User.email.like("first-%"))))
    _db.session.commit()

    users = _db.session.scalars(sa.select(User).order_by(User.id)).all()
    tokens = {user.session_token for user in users}
    assert len(tokens) == 3 and all(len(token) >= 43 for token in tokens)
    newest = users[-1]
    assert newest.get_id() != f"{newest.id}:1"  # a cookie from before opens nothing

    _db.session.delete(newest)
    _db.session.commit()
    _db.session.add(User(email="d@example.org", password_hash="x"))
    _db.session.commit()
    assert _db.session.scalar(sa.select(sa.func.max(User.id))) > newest.id
    _db.session.remove()

    with _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        assert compare_metadata(context, _db.metadata) == []
        if connection.dialect.name == "sqlite":
            created = connection.scalar(
                sa.text("SELECT sql FROM sqlite_master WHERE name = 'user_account'")
            )
            assert "AUTOINCREMENT" in created

    downgrade(revision=BEFORE)
    with _db.engine.connect() as connection:
        columns = {column["name"] for column in sa.inspect(connection).get_columns("user_account")}
    assert "session_version" in columns and "session_token" not in columns


def test_stored_emails_become_nfc_unless_another_account_has_that_form(migrated_app):
    upgrade(revision=BEFORE_NFC)
    insert = sa.text(
        "INSERT INTO user_account (email, password_hash, is_admin, locale, created_at,"
        " session_token) VALUES (:email, 'x', false, 'fr', '2024-04-02 08:00:00.000000', :email)"
    )
    stored = ["ali\u0301ce@example.org", "jose\u0301@example.org", "jos\u00e9@example.org"]
    with _db.engine.begin() as connection:
        for email in stored:
            connection.execute(insert, {"email": email})
    upgrade()
    emails = _db.session.scalars(sa.select(User.email).order_by(User.id)).all()
    # the second José is left as typed: the third account already has the NFC form
    assert emails == ["al\u00edce@example.org", "jose\u0301@example.org", "jos\u00e9@example.org"]
    # and each José still finds their own account with the form they registered with
    from store.accounts.services import find_user_by_email

    ids = _db.session.scalars(sa.select(User.id).order_by(User.id)).all()
    assert find_user_by_email("jose\u0301@example.org").id == ids[1]
    assert find_user_by_email("JOS\u00c9@example.org").id == ids[2]
    assert find_user_by_email("ali\u0301ce@example.org").id == ids[0]


def test_every_subscription_gets_its_monthly_value(migrated_app):
    """The figure the dashboard sums: the order's recurring lines per month, else the
    product's price per month; rows written afterwards keep it up to date themselves."""
    upgrade(revision="5d8ce272c096")
    statements = [
        "INSERT INTO product (id, slug, name, short_description, description, headline,"
        " price_cents, currency, billing, active, position, featured, grants_articles,"
        " grants_download, grants_access_key, created_at, updated_at) VALUES"
        " (1, 'an', 'Annuel', '', '', '', 8406, 'EUR', 'year', true, 1, false, true, false,"
        " false, '2024-04-02 08:00:00', '2024-04-02 08:00:00')",
        "INSERT INTO customer_order (id, number, email, status, currency, total_cents, mode,"
        " discount_cents, created_at, updated_at) VALUES (1, 'GA-00000001', 'a@b.c', 'paid',"
        " 'EUR', 1400, 'subscription', 0, '2024-04-02 08:00:00', '2024-04-02 08:00:00')",
        "INSERT INTO order_line (order_id, product_id, title, unit_price_cents, currency,"
        " interval, quantity) VALUES (1, NULL, 'Mensuel', 700, 'EUR', 'month', 2),"
        " (1, NULL, 'Guide', 1900, 'EUR', NULL, 1)",
        "INSERT INTO subscription (stripe_subscription_id, stripe_customer_id, order_id,"
        " product_id, status, cancel_at_period_end, created_at, updated_at) VALUES"
        " ('sub_lines', 'cus', 1, NULL, 'active', false, '2024-04-02', '2024-04-02'),"
        " ('sub_product', 'cus', NULL, 1, 'active', false, '2024-04-02', '2024-04-02')",
    ]
    with _db.engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    upgrade()
    values = dict(
        _db.session.execute(
            sa.text("SELECT stripe_subscription_id, monthly_value_cents FROM subscription")
        ).all()
    )
    # 2 × 7,00 € a month (the one-time guide counts for nothing); 84,06 € a year → 7,01 € (700.5 up)
    assert values == {"sub_lines": 1400, "sub_product": 701}
