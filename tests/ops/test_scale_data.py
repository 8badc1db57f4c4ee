"""bench/scale's generator stays in step with the models: run at its `tiny` volume on the
suite's PostgreSQL database, it fills every table it names, and the pages it is made for open
with what it made."""

import importlib.util
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from store.accounts.models import User
from store.articles.models import Article, Comment
from store.orders.models import Order, OrderLine
from store.payments.models import Customer, Payment
from store.subscriptions.models import Subscription
from tests.conftest import login, visitor

ROOT = Path(__file__).resolve().parents[2]


def scale_data():
    spec = importlib.util.spec_from_file_location("scale_data", ROOT / "bench" / "scale_data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("scale_data", module)  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_the_generator_fills_the_schema_the_models_describe(app, db, seeded):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the generator writes PostgreSQL's SQL (the PostgreSQL pass runs this)")
    data = scale_data()
    volume = data.VOLUMES["tiny"]
    with db.engine.begin() as connection:
        data.generate(
            connection, volume, generate_password_hash(data.PASSWORD, method="pbkdf2:sha256:1")
        )

    def count(model) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    assert count(Article) == volume.articles + 1  # and the demo article
    assert count(Comment) == volume.comments
    assert count(User) == volume.customers + 3
    assert count(Order) == volume.orders + volume.subscriber_orders + 1
    assert count(OrderLine) == count(Order)
    assert count(Subscription) > 0 and count(Customer) > 0
    assert count(Payment) == volume.payments

    subscriber = db.session.scalar(sa.select(User).where(User.email == data.SUBSCRIBER))
    browser = login(visitor(app), subscriber, data.PASSWORD)
    account = browser.client.get("/account").get_data(as_text=True)
    assert "Donne accès à" in account and "articles réservés aux abonnés" in account
    admin = db.session.scalar(sa.select(User).where(User.email == data.ADMIN))
    assert login(visitor(app), admin, data.PASSWORD).client.get("/admin/").status_code == 200
