"""Creating the admin account, and the login rate limit."""

import sqlalchemy as sa

from store.accounts.models import User


def test_create_admin_reads_the_password_from_the_environment(db, runner, monkeypatch):
    monkeypatch.setenv("STORE_ADMIN_PASSWORD", "un mot de passe admin")
    result = runner.invoke(args=["store", "create-admin", "Patron@Example.org"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert (user.email, user.is_admin) == ("patron@example.org", True)
    assert user.check_password("un mot de passe admin")


def test_create_admin_asks_twice(db, runner, monkeypatch):
    monkeypatch.delenv("STORE_ADMIN_PASSWORD", raising=False)
    mismatch = runner.invoke(
        args=["store", "create-admin", "a@b.fr"],
        input="premier essai\nautre chose\npremier essai\npremier essai\n",
    )
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output
    assert db.session.scalar(sa.select(User)).check_password("premier essai")


def test_create_admin_refuses_a_short_password(db, runner, monkeypatch):
    monkeypatch.setenv("STORE_ADMIN_PASSWORD", "court")
    result = runner.invoke(args=["store", "create-admin", "a@b.fr"])
    assert result.exit_code != 0
    assert "8 characters" in result.output
    assert db.session.scalar(sa.select(User)) is None


def test_create_admin_promotes_an_existing_customer(db, runner, monkeypatch, login_as):
    login_as("client@example.org", admin=False)
    monkeypatch.setenv("STORE_ADMIN_PASSWORD", "nouveau mot de passe")
    runner.invoke(args=["store", "create-admin", "client@example.org"])
    user = db.session.scalar(sa.select(User))
    assert user.is_admin and user.check_password("nouveau mot de passe")


def test_login_is_rate_limited_per_account(app, forms, client, login_as):
    login_as("cible@example.org", admin=False)
    forms.post("/account/logout")
    statuses = [
        forms.post(
            "/account/login", {"email": "cible@example.org", "password": "devinette"}
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [400] * 4 + [429, 429]  # the first of the 5 was the real login
    page = forms.post(
        "/account/login", {"email": "cible@example.org", "password": "admin password"}
    )
    assert page.status_code == 429
    assert "Trop de demandes" in page.get_data(as_text=True)
    # Another account from the same address is still allowed (per-IP limit is higher).
    assert (
        forms.post("/account/login", {"email": "autre@example.org", "password": "x"}).status_code
        == 400
    )


def test_login_is_rate_limited_per_address(app, forms):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    statuses = [
        forms.post("/account/login", {"email": f"user{n}@example.org", "password": "x"}).status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
