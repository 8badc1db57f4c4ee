"""Order.mode and OrderLine.interval became enums: orders already stored read back the same,
the database refuses any other value, and the strings stored do not change."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from store import create_app
from store.catalog.models import Interval
from store.extensions import db as _db
from store.orders.models import Order, OrderLine, OrderMode, OrderStatus
from store.search.schema import include_object

BEFORE = "b87103bdc035"

INSERT_ORDER = sa.text(
    "INSERT INTO customer_order (number, email, status, currency, total_cents, mode, created_at,"
    " updated_at) VALUES (:number, 'a@example.org', 'paid', 'EUR', :total, :mode,"
    " '2024-04-02 08:00:00.000000', '2024-04-02 08:00:00.000000')"
)
INSERT_LINE = sa.text(
    "INSERT INTO order_line (order_id, title, unit_price_cents, currency, interval, quantity)"
    " SELECT id, :title, :price, 'EUR', :interval, 1 FROM customer_order WHERE number = :number"
)


def stored(connection) -> list[tuple]:
    return connection.execute(
        sa.text(
            "SELECT o.number, o.mode, l.title, l.interval FROM customer_order o"
            " JOIN order_line l ON l.order_id = o.id ORDER BY l.id"
        )
    ).all()


def test_orders_stored_before_survive_and_other_values_are_refused(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}",
        }
    )
    with app.app_context():
        upgrade(revision=BEFORE)
        with _db.engine.begin() as connection:
            connection.execute(
                INSERT_ORDER, {"number": "GA-ONCE0001", "total": 1900, "mode": "payment"}
            )
            connection.execute(
                INSERT_ORDER, {"number": "GA-SUBS0002", "total": 2600, "mode": "subscription"}
            )
            for number, title, price, interval in [
                ("GA-ONCE0001", "Guide PDF", 1900, None),
                ("GA-SUBS0002", "Accès mensuel", 700, "month"),
                ("GA-SUBS0002", "Guide PDF", 1900, None),
            ]:
                connection.execute(
                    INSERT_LINE,
                    {"number": number, "title": title, "price": price, "interval": interval},
                )
            before = stored(connection)
        upgrade()

        with _db.engine.connect() as connection:
            assert stored(connection) == before
        orders = {order.number: order for order in _db.session.scalars(sa.select(Order))}
        assert orders["GA-ONCE0001"].mode is OrderMode.PAYMENT
        assert orders["GA-SUBS0002"].mode is OrderMode.SUBSCRIPTION
        assert [line.interval for line in orders["GA-SUBS0002"].lines] == [Interval.MONTH, None]

        # The models write the same strings as before.
        _db.session.add(
            Order(
                number="GA-YEAR0003",
                email="b@example.org",
                status=OrderStatus.PENDING_PAYMENT,
                currency="EUR",
                total_cents=7000,
                mode=OrderMode.SUBSCRIPTION,
                lines=[
                    OrderLine(
                        title="Accès annuel",
                        unit_price_cents=7000,
                        currency="EUR",
                        interval=Interval.YEAR,
                        quantity=1,
                    )
                ],
            )
        )
        _db.session.commit()
        with _db.engine.connect() as connection:
            assert stored(connection)[-1] == ("GA-YEAR0003", "subscription", "Accès annuel", "year")

        # Whatever writes to the database, it keeps to the enums.
        for statement, values in [
            (INSERT_ORDER, {"number": "GA-BADM0004", "total": 0, "mode": "subscriptions"}),
            (
                INSERT_LINE,
                {"number": "GA-ONCE0001", "title": "x", "price": 1, "interval": "week"},
            ),
        ]:
            with pytest.raises(sa.exc.IntegrityError), _db.engine.begin() as connection:
                connection.execute(statement, values)
        _db.session.remove()

        with _db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object}
            )
            assert compare_metadata(context, _db.metadata) == []

        downgrade(revision=BEFORE)
        with _db.engine.connect() as connection:
            assert len(stored(connection)) == 4
            assert stored(connection)[:3] == before
