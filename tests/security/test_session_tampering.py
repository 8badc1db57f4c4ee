"""A session or remember-me cookie the site did not sign is ignored: the visitor is anonymous
with an empty cart, and no page fails."""

import base64
import json

import pytest
from flask_login.utils import encode_cookie
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import logged_in, visitor
from tests.security.pages import badge


def signer(app, key, salt=None) -> URLSafeTimedSerializer:
    """The serializer Flask signs session cookies with, with another key or salt."""
    interface = app.session_interface
    return URLSafeTimedSerializer(
        key,
        salt=salt or interface.salt,
        serializer=interface.serializer,
        signer_kwargs={
            "key_derivation": interface.key_derivation,
            "digest_method": interface.digest_method,
        },
    )


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", admin=True)


@pytest.fixture
def guide(create_product):
    return create_product(name="Guide")


def wanted_session(admin, guide) -> dict:
    """What a forger wants: to be the admin, with three guides in the cart."""
    return {"_user_id": admin.get_id(), "_fresh": True, "cart": {str(guide.id): 3}}


def assert_anonymous_with_an_empty_cart(app, cookie_name, value, why):
    browser = visitor(app)
    browser.client.set_cookie(cookie_name, value)
    cart = browser.client.get("/cart")
    assert cart.status_code == 200, why
    assert badge(cart.get_data(as_text=True)) == 0, why
    for url in ("/admin", "/account"):
        response = browser.client.get(url)
        assert response.status_code == 302, (why, url)
        assert response.headers["Location"].startswith("/account/login"), (why, url)
    assert browser.client.get("/").status_code == 200, why


def test_a_session_signed_by_the_site_is_honoured(app, admin, guide):
    """The control: the same content signed with the site's key does log in and fill the
    cart, so the refusals below are the signature's doing."""
    browser = visitor(app)
    cookie = signer(app, app.secret_key).dumps(wanted_session(admin, guide))
    browser.client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    assert browser.client.get("/admin").status_code == 200
    assert badge(browser.client.get("/cart").get_data(as_text=True)) == 3


def tampered_cookies(app, admin, guide) -> dict[str, str]:
    wanted = wanted_session(admin, guide)
    real = logged_in(app, admin)
    real.post("/cart/add", {"product_id": guide.id, "quantity": 3})
    genuine = real.client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    copy = visitor(app)  # the genuine cookie, copied into another browser, is honoured
    copy.client.set_cookie(app.config["SESSION_COOKIE_NAME"], genuine)
    assert copy.client.get("/admin").status_code == 200
    # "<payload>.<timestamp>.<signature>", the payload starting with "." when compressed
    payload = genuine.split(".")[0] or "." + genuine[1:].split(".")[0]
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    unsigned = base64.urlsafe_b64encode(json.dumps(wanted).encode()).decode().rstrip("=")
    return {
        "signed with another key": signer(app, "not-the-site-key").dumps(wanted),
        "signed with the key of another purpose": signer(
            app, app.secret_key, salt="wtf-csrf-token"
        ).dumps(wanted),
        "one character of the content changed": genuine.replace(payload, flipped, 1),
        "content without signature": unsigned,
        "content with a made-up signature": f"{unsigned}.ZmFrZQ.c2lnbmF0dXJl",
        "genuine signature on other content": unsigned + genuine[len(payload) :],
        "truncated": genuine[: len(genuine) // 2],
        "empty": "",
        "junk": "....",
        "huge": "a" * 4000,
        "compressed junk": ".eJzLSM3JyVcozy_KSQEAGgQEXQ.ZmFrZQ.c2lnbmF0dXJl",
    }


def test_a_forged_or_modified_session_cookie_is_ignored(app, admin, guide):
    for why, value in tampered_cookies(app, admin, guide).items():
        assert_anonymous_with_an_empty_cart(app, app.config["SESSION_COOKIE_NAME"], value, why)


def test_a_forged_remember_me_cookie_is_ignored(app, admin):
    name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    for why, value in {
        "signed with another key": encode_cookie(admin.get_id(), key="not-the-site-key"),
        "no digest": f"{admin.get_id()}|",
        "digest of another user": encode_cookie("999:1", key=app.secret_key).replace(
            "999:1|", f"{admin.get_id()}|"
        ),
        "the id with a made-up session token": encode_cookie(f"{admin.id}:1", key=app.secret_key),
        "junk": "|||",
    }.items():
        assert_anonymous_with_an_empty_cart(app, name, value, why)

    # The control: the site's own digest logs the admin in.
    browser = visitor(app)
    browser.client.set_cookie(name, encode_cookie(admin.get_id(), key=app.secret_key))
    assert browser.client.get("/admin").status_code == 200
