"""Sessions end when they should: logout, a password change and the admin's "log out
everywhere" end every session and remember-me cookie of the account at once, on every
device; the CSRF token is renewed at login; a damaged remember-me cookie is no cookie."""

import re

import pytest
import sqlalchemy as sa

from store.access.models import AccessKey
from store.accounts.models import User
from store.catalog.models import Billing
from store.mail.models import OutboxMessage
from tests.conftest import PASSWORD, logged_in, visitor
from tests.security.test_idor import checkout


def cookie(browser, name: str) -> str | None:
    found = browser.client.get_cookie(name)
    return found.value if found else None


def with_cookies(app, **cookies):
    """A new browser holding only these cookies (copied from another one)."""
    browser = visitor(app)
    for name, value in cookies.items():
        browser.client.set_cookie(name, value)
    return browser


def opens_account(browser) -> bool:
    return browser.client.get("/account").status_code == 200


def remember_login(app, user, password=PASSWORD):
    browser = visitor(app)
    response = browser.post(
        "/account/login", {"email": user.email, "password": password, "remember": "y"}
    )
    assert response.status_code == 303
    assert cookie(browser, "remember_token")
    return browser


def test_a_session_cookie_copied_before_logout_opens_nothing_after_it(app, make_user):
    user = make_user("camille@example.org")
    browser = logged_in(app, user)
    stolen = with_cookies(app, session=cookie(browser, "session"))
    assert opens_account(stolen)
    assert browser.post("/account/logout").status_code == 303
    assert not opens_account(stolen)


def test_a_remember_me_cookie_stops_working_at_logout(app, make_user):
    user = make_user("camille@example.org")
    browser = remember_login(app, user)
    stolen = with_cookies(app, remember_token=cookie(browser, "remember_token"))
    assert opens_account(stolen)  # the cookie alone logs in: it is a real remember-me cookie
    browser.post("/account/logout")
    assert not opens_account(with_cookies(app, remember_token=cookie(stolen, "remember_token")))


def test_logging_out_on_one_device_logs_out_the_others(app, make_user):
    user = make_user("camille@example.org")
    laptop, phone = logged_in(app, user), logged_in(app, user)
    laptop.post("/account/logout")
    assert not opens_account(phone)
    assert opens_account(logged_in(app, user))  # logging in again works


def test_a_password_change_ends_every_other_session(app, db, make_user):
    user = make_user("camille@example.org")
    here, elsewhere = logged_in(app, user), remember_login(app, user)
    remembered = with_cookies(app, remember_token=cookie(elsewhere, "remember_token"))
    response = here.post(
        "/account/password",
        {
            "current": PASSWORD,
            "password": "un nouveau mot de passe",
            "confirm": "un nouveau mot de passe",
        },
    )
    assert response.status_code == 303
    assert opens_account(here)  # the browser that changed it stays logged in
    assert not opens_account(elsewhere) and not opens_account(remembered)
    # a remembered browser that changes the password is remembered with the new token
    kept = remember_login(app, db.session.get(User, user.id), "un nouveau mot de passe")
    kept.post(
        "/account/password",
        {
            "current": "un nouveau mot de passe",
            "password": "encore un autre",
            "confirm": "encore un autre",
        },
    )
    assert opens_account(with_cookies(app, remember_token=cookie(kept, "remember_token")))
    old = visitor(app).post("/account/login", {"email": user.email, "password": PASSWORD})
    assert old.status_code == 400
    new = visitor(app).post("/account/login", {"email": user.email, "password": "encore un autre"})
    assert new.status_code == 303


def test_a_password_change_needs_the_current_password(app, db, make_user):
    user = make_user("camille@example.org")
    here, elsewhere = logged_in(app, user), logged_in(app, user)
    response = here.post(
        "/account/password",
        {
            "current": "pas le bon",
            "password": "un nouveau mot de passe",
            "confirm": "un nouveau mot de passe",
        },
    )
    assert response.status_code == 400
    assert "Mot de passe incorrect" in response.get_data(as_text=True)
    assert opens_account(elsewhere)
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_the_admin_logs_a_customer_out_everywhere(app, db, make_user):
    customer = make_user("camille@example.org")
    phone, laptop = logged_in(app, customer), remember_login(app, customer)
    remembered = with_cookies(app, remember_token=cookie(laptop, "remember_token"))
    admin = logged_in(app, make_user("patron@example.org", admin=True))
    page = admin.client.get(f"/admin/customers/{customer.id}").get_data(as_text=True)
    assert "camille@example.org" in page and "Déconnecter partout" in page
    response = admin.post(f"/admin/customers/{customer.id}/logout-everywhere")
    assert response.status_code == 303
    assert not opens_account(phone) and not opens_account(laptop)
    assert not opens_account(remembered)
    assert opens_account(admin)  # only that customer's sessions ended


def test_a_customer_cannot_log_anybody_out(app, db, make_user):
    victim = make_user("victime@example.org")
    victim_browser = logged_in(app, victim)
    attacker = logged_in(app, make_user("curieux@example.org"))
    assert attacker.post(f"/admin/customers/{victim.id}/logout-everywhere").status_code == 403
    assert opens_account(victim_browser)


def test_the_csrf_token_is_renewed_at_login(app, make_user):
    user = make_user("camille@example.org")
    browser = visitor(app)
    before = browser.token()  # a token planted or seen before the login
    browser.post("/account/login", {"email": user.email, "password": PASSWORD})
    stale = browser.client.post("/cart/clear", data={"csrf_token": before})
    assert stale.status_code == 400
    assert browser.post("/cart/clear").status_code == 303  # the new token works


def test_sessions_from_before_versions_open_nothing(app, db, make_user):
    user = make_user("camille@example.org")
    browser = logged_in(app, user)
    with browser.client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # the format used before session versions
    assert not opens_account(browser)


def test_damaged_remember_me_cookies_are_ignored(app, make_user):
    user = make_user("camille@example.org")
    for value in ("1|é", "é", f"{user.id}:1|" + "é" * 64, "|", "x" * 3000, f"{user.id}:1|00"):
        browser = with_cookies(app, remember_token=value)
        response = browser.client.get("/account")
        assert response.status_code == 302, value  # to the login page
        assert browser.client.get("/").status_code == 200


def test_the_session_token_changes_once_per_logout(app, db, make_user):
    user = make_user("camille@example.org")
    before = user.session_token
    logged_in(app, user).post("/account/logout")
    db.session.expire_all()
    after = db.session.get(User, user.id).session_token
    assert after != before and len(after) >= 43  # random, 256 bits


def register(app, email: str):
    """A new visitor creates an account through the form; returns their browser."""
    browser = visitor(app)
    response = browser.post(
        "/account/register", {"email": email, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return browser


def newest_user_id(db) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.max(User.id)))


@pytest.mark.parametrize("kept", ["remember_token", "session"])
def test_a_deleted_accounts_cookies_never_open_the_next_account_registered(
    app, db, payments, create_product, send_events, kept
):
    """The probe's sequence: register, keep a cookie in a second browser, delete the account,
    let someone register (on SQLite, the id the deleted account had was given again)."""
    first = register(app, "premiere@example.org")
    elsewhere = remember_login(app, db.session.get(User, newest_user_id(db)))
    source = elsewhere if kept == "remember_token" else first
    copied = cookie(source, kept)
    assert copied and opens_account(with_cookies(app, **{kept: copied}))
    deleted_id = newest_user_id(db)

    assert first.post("/account/delete", {"current": PASSWORD}).status_code == 303
    assert not opens_account(with_cookies(app, **{kept: copied}))

    second = register(app, "suivante@example.org")
    offer = create_product(name="Accès à GPT 4", billing=Billing.MONTHLY, grants_access_key=True)
    send_events(payments.complete_checkout(checkout(second, offer, payments)))
    assert "Votre clé d’accès pour" in second.client.get("/account").get_data(as_text=True)
    newcomer = db.session.scalar(sa.select(User).where(User.email == "suivante@example.org"))
    key = db.session.scalar(sa.select(AccessKey).where(AccessKey.revoked_at.is_(None)))
    assert key is not None  # the newcomer's access key, which the kept cookie must not reach

    stale = with_cookies(app, **{kept: copied})
    account = stale.client.get("/account")
    assert account.status_code == 302 and "/account/login" in account.headers["Location"]
    assert "suivante@example.org" not in account.get_data(as_text=True)
    assert stale.client.get("/account/export").status_code == 302
    regenerate = stale.post(f"/account/keys/{key.id}/regenerate")
    assert regenerate.status_code in (302, 303) and "suivante" not in regenerate.get_data(True)
    db.session.expire_all()
    assert db.session.get(AccessKey, key.id).revoked_at is None
    assert opens_account(second)  # the newcomer's own browser is untouched
    assert newcomer.id > deleted_id  # and ids are never given twice


def test_an_account_id_is_never_given_twice(app, db, make_user):
    """Deleting the newest account leaves its id unused (SQLite with AUTOINCREMENT)."""
    browser = register(app, "premiere@example.org")
    first_id = newest_user_id(db)
    assert browser.post("/account/delete", {"current": PASSWORD}).status_code == 303
    register(app, "suivante@example.org")
    assert newest_user_id(db) > first_id


def test_a_confirmed_email_change_ends_every_other_session(app, db, make_user):
    user = make_user("camille@example.org")
    here, elsewhere = logged_in(app, user), remember_login(app, user)
    remembered = with_cookies(app, remember_token=cookie(elsewhere, "remember_token"))
    response = here.post(
        "/account/email", {"email": "camille.neuve@example.org", "current": PASSWORD}
    )
    assert response.status_code == 303
    db.session.rollback()
    message = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == "camille.neuve@example.org")
    ).one()
    link = re.search(r"http://localhost(/account/email/change/[^\s\"<]+)", message.text_body)
    assert here.post(link.group(1)).status_code == 303
    assert opens_account(here)  # the browser that confirmed it stays logged in
    assert not opens_account(elsewhere) and not opens_account(remembered)
