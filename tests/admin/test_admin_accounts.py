"""Creating the admin account, and the login rate limit."""

import sqlalchemy as sa

from store.accounts.models import User
from tests.conftest import PASSWORD, Forms


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


def _login(forms, password, address, email="cible@example.org"):
    return forms.post(
        "/account/login",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


def test_guessing_is_capped_per_account_and_address(app, forms, login_as):
    login_as("cible@example.org", admin=False)
    forms.post("/account/logout")
    attacker = "203.0.113.7"
    statuses = [_login(forms, "devinette", attacker) for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    assert _login(forms, PASSWORD, attacker) == 429  # no more answers from there
    # Another account from the same address is still allowed (per-IP limit is higher).
    assert _login(forms, "x", attacker, email="autre@example.org") == 400


def test_the_owner_logs_in_from_elsewhere_while_an_attack_runs(app, client, login_as):
    login_as("cible@example.org", admin=False)
    client.post("/account/logout", data={"csrf_token": Forms(client).token()})
    attacker = Forms(app.test_client())
    for _ in range(8):
        _login(attacker, "devinette", "203.0.113.7")
    owner = Forms(app.test_client())
    assert _login(owner, PASSWORD, "198.51.100.20") == 303


def test_a_distributed_attack_is_capped_but_the_owners_browser_gets_in(app, login_as):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"] = "10 per hour"
    login_as("cible@example.org", admin=False)
    owner = Forms(app.test_client())
    assert _login(owner, PASSWORD, "198.51.100.20") == 303  # the owner's usual browser
    owner.post("/account/logout")
    bots = Forms(app.test_client())
    statuses = [_login(bots, "devinette", f"203.0.113.{n}") for n in range(12)]
    assert statuses == [400] * 10 + [429] * 2  # guesses against the account are capped
    stranger = Forms(app.test_client())  # a browser that never logged in to this account
    assert _login(stranger, PASSWORD, "192.0.2.99") == 429
    assert _login(owner, PASSWORD, "192.0.2.99") == 303  # known device: not locked out


def test_login_is_rate_limited_per_address(app, forms):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    statuses = [
        forms.post("/account/login", {"email": f"user{n}@example.org", "password": "x"}).status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
