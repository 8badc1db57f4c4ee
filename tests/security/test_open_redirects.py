"""No `next` the site accepts can send a visitor to another site.

Each target is checked as a browser resolves it: surrounding spaces and control characters
dropped, tabs and newlines removed, backslashes read as slashes, then joined to the page's
own URL. The resulting host must be the site's.
"""

import re
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest

from tests.conftest import PASSWORD, visitor

HOSTILE_TARGETS = [
    "https://evil.example/",
    "HTTPS://EVIL.EXAMPLE/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http:evil.example",
    "https:/evil.example",
    "https://localhost@evil.example/",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "/\r/evil.example",
    "/\x0b/evil.example",
    "\x00//evil.example",
    "//evil.example/%2e%2e",
    "/" + "a" * 10_000,
    "https://evil.example/" + "a" * 10_000,
    "//" + "evil." * 2_000 + "example",
    # a fragment (as the article's offer carries: /article#offer) opens no way out
    "//evil.example/#offer",
    "https://evil.example/#offer",
    "/\\evil.example#offer",
    "#//evil.example",
]
# The same behind a language prefix, which the language switch takes off (`/en//evil.example`
# is a path of the site; without its `/en` it is another site).
HOSTILE_TARGETS += [
    f"/en{target}" for target in HOSTILE_TARGETS if target.startswith(("/", "\\"))
] + ["/en//evil.example", "/en/\\evil.example", "/en///evil.example"]


def resolved_by_browser(location: str) -> tuple[str, str | None]:
    """(scheme, host) a browser on http://localhost/ goes to for this Location header."""
    cleaned = location.strip("".join(chr(code) for code in range(0x21)))
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    url = urlsplit(urljoin("http://localhost/some/page", cleaned))
    return url.scheme, url.hostname


def assert_stays_on_site(response, target):
    where = repr(target)[:80]
    parts = target if isinstance(target, tuple) else (target,)
    if any("\x00" in part for part in parts):
        # The store refuses any request holding a NUL with a 400: nothing is redirected.
        assert response.status_code == 400, (where, response.status_code)
        return
    assert response.status_code in (302, 303), (where, response.status_code)
    location = response.headers["Location"]
    assert resolved_by_browser(location) == ("http", "localhost"), (where, location[:80])
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, (where, location[:80])


def test_the_check_itself_spots_a_foreign_location():
    for location in ("//evil.example", "/\\evil.example", " https://evil.example", "/\t/evil"):
        assert resolved_by_browser(location) != ("http", "localhost")
    assert resolved_by_browser("/cart?x=1") == ("http", "localhost")


@pytest.fixture
def account(make_user):
    return make_user("lecteur@example.org")


@pytest.mark.parametrize("channel", ["form", "query"])
def test_login_never_redirects_off_site(app, account, channel):
    for target in HOSTILE_TARGETS:
        browser = visitor(app)
        credentials = {"email": account.email, "password": PASSWORD}
        if channel == "form":
            response = browser.post("/account/login", {**credentials, "next": target})
        else:
            response = browser.post(f"/account/login?next={quote(target)}", credentials)
        assert_stays_on_site(response, target)


def test_the_login_page_carries_a_safe_next_through(app, account):
    """The path the visitor wanted (a page of the site) is where the login leads back."""
    browser = visitor(app)
    page = browser.client.get("/account/login?next=/cart%3Fx%3D1").get_data(as_text=True)
    assert 'value="/cart?x=1"' in page
    response = browser.post(
        "/account/login", {"email": account.email, "password": PASSWORD, "next": "/cart?x=1"}
    )
    assert response.headers["Location"] == "/cart?x=1"


@pytest.mark.parametrize("channel", ["form", "query"])
def test_registration_never_redirects_off_site(app, channel):
    for number, target in enumerate(HOSTILE_TARGETS):
        browser = visitor(app)
        data = {"email": f"r{number}@example.org", "password": PASSWORD, "confirm": PASSWORD}
        if channel == "form":
            response = browser.post("/account/register", {**data, "next": target})
        else:
            response = browser.post(f"/account/register?next={quote(target)}", data)
        assert_stays_on_site(response, target)


@pytest.fixture
def guide(create_product):
    return create_product(name="Guide")


@pytest.mark.parametrize("channel", ["form", "query"])
def test_cart_actions_never_redirect_off_site(app, guide, channel):
    browser = visitor(app)
    for action in ("add", "update", "remove", "clear"):
        for target in HOSTILE_TARGETS:
            if action in ("remove", "clear"):  # something to remove
                browser.post("/cart/add", {"product_id": guide.id})
            data = {"product_id": guide.id, "quantity": 2}
            if channel == "form":
                response = browser.post(f"/cart/{action}", {**data, "next": target})
            else:
                response = browser.post(f"/cart/{action}?next={quote(target)}", data)
            assert_stays_on_site(response, (action, target))


def test_the_language_switch_never_redirects_off_site(app):
    if not any(rule.rule == "/language" for rule in app.url_map.iter_rules()):
        pytest.skip("no language switch")
    browser = visitor(app)
    for lang in ("en", "fr"):
        for target in HOSTILE_TARGETS:
            response = browser.post("/language", {"lang": lang, "next": target})
            assert_stays_on_site(response, (lang, target))
    assert browser.post("/language", {"lang": "fr", "next": "/shop"}).headers["Location"] == "/shop"
    assert browser.post("/language", {"lang": "en", "next": "/shop"}).headers["Location"] == (
        "/en/shop"
    )


def test_a_safe_next_is_followed_so_the_checks_above_can_fail(app, guide):
    browser = visitor(app)
    response = browser.post("/cart/add", {"product_id": guide.id, "next": "/shop/x?y=1"})
    assert response.headers["Location"] == "/shop/x?y=1"
    response = browser.post("/cart/add", {"product_id": guide.id, "next": "/articles/x#offer"})
    assert response.headers["Location"] == "/articles/x#offer"  # back to the offer


def test_the_admin_login_detour_comes_back_to_the_admin_page(app, make_user):
    admin = make_user("patron@example.org", admin=True)
    browser = visitor(app)
    detour = browser.client.get("/admin/products?next=//evil.example")
    assert detour.status_code == 302
    next_url = parse_qs(urlsplit(detour.headers["Location"]).query)["next"][0]
    assert next_url == "/admin/products?next=//evil.example"
    login = browser.post(
        "/account/login", {"email": admin.email, "password": PASSWORD, "next": next_url}
    )
    assert_stays_on_site(login, next_url)
    assert urlsplit(login.headers["Location"]).path == "/admin/products"


LINE_BREAKS = ["/\r\nSet-Cookie: pwned=1", "/cart\nX-Injected: 1", "/\rX: 1\r\n"]


def test_a_next_with_line_breaks_falls_back_instead_of_crashing(app, guide, account):
    for target in LINE_BREAKS:
        cart = visitor(app).post("/cart/add", {"product_id": guide.id, "next": target})
        assert_stays_on_site(cart, target)
        login = visitor(app).post(
            "/account/login", {"email": account.email, "password": PASSWORD, "next": target}
        )
        assert_stays_on_site(login, target)
        language = visitor(app).post("/language", {"lang": "fr", "next": target})
        assert_stays_on_site(language, target)
        new_account = {"email": f"n{len(target)}@example.org", "password": PASSWORD}
        register = visitor(app).post(
            "/account/register", {**new_account, "confirm": PASSWORD, "next": target}
        )
        assert_stays_on_site(register, target)
        for response in (cart, login, language, register):
            assert not re.search(r"[\r\n]", response.headers["Location"])


def test_line_breaks_never_inject_a_header(app, guide):
    """Whatever the status, the CR/LF never reaches the response as a header of its own."""
    browser = visitor(app)
    for target in LINE_BREAKS:
        response = browser.post("/cart/add", {"product_id": guide.id, "next": target})
        assert "pwned" not in str(response.headers.get("Set-Cookie"))
        assert response.headers.get("X-Injected") is None
