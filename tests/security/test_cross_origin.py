"""Every unsafe request another website makes a visitor's browser send is refused with a 403
that changes nothing, whoever the visitor is and whatever token the request carries; the same
request from the store's own pages (or from a client that is not a browser) goes through.

The routes come from the URL map, so a route added later is covered too. The checks are those
of Go's CrossOriginProtection (store/ops/cross_origin.py).
"""

import logging

import pytest
from werkzeug.routing import Rule

from tests.conftest import logged_in, visitor
from tests.security.test_csrf import CHANGING_METHODS, Site, changing_rules

REFUSAL_PAGE = "Refusé : cette demande venait d’un autre site"

#: what a browser sends when a page of another site submits a form to the store
FORGED = {
    "cross-site, with Origin": {"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
    "cross-site, no Origin": {"Sec-Fetch-Site": "cross-site"},
    "same-site (a sibling sub-domain)": {
        "Sec-Fetch-Site": "same-site",
        "Origin": "http://blog.localhost",
    },
    "old browser, foreign Origin": {"Origin": "http://evil.example"},
    "old browser, Origin that only starts like the site": {
        "Origin": "http://localhost.evil.example"
    },
    "old browser, opaque Origin (sandboxed frame)": {"Origin": "null"},
    "old browser, malformed Origin": {"Origin": "http://[::1"},
}

#: what the store's own pages, a typed address, or a client that is not a browser send
GENUINE = {
    "same-origin": {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    "typed or bookmarked": {"Sec-Fetch-Site": "none"},
    "old browser on the site": {"Origin": "http://localhost"},
    "not a browser (Stripe, curl)": {},
}


@pytest.fixture
def site(app, db, payments, make_user, create_product, create_article, create_comment, send_events):
    """Content and accounts every refused request would otherwise change (see test_csrf)."""
    return Site(
        app, db, payments, make_user, create_product, create_article, create_comment, send_events
    )


def unsafe_requests(site: Site, app) -> list[tuple[Rule, str, str]]:
    return [
        (rule, method, site.url(rule))
        for rule in changing_rules(app)
        for method in sorted((rule.methods or set()) & CHANGING_METHODS)
    ]


@pytest.mark.parametrize("role", ["anonymous", "customer", "admin"])
def test_every_unsafe_request_from_another_site_is_refused_and_changes_nothing(
    site, app, role, caplog
):
    browser = site.browser(role)
    before = site.state(browser)
    walked = 0
    for rule, method, url in unsafe_requests(site, app):
        for how, headers in FORGED.items():
            # The visitor's own valid token does not help: the browser would send it too if
            # the other site had got hold of it.
            data = {**site.data(rule), "csrf_token": browser.token()}
            with caplog.at_level(logging.WARNING, logger="store.ops.cross_origin"):
                response = browser.client.open(url, method=method, data=data, headers=headers)
            where = (role, method, url, how)
            assert response.status_code == 403, where
            assert REFUSAL_PAGE in response.get_data(as_text=True), where
            assert response.headers.getlist("Set-Cookie") == [], where
            walked += 1
        assert site.state(browser) == before, (role, rule.rule)
    assert walked >= 25 * len(FORGED)
    refused = [r.getMessage() for r in caplog.records if "refused a cross-origin" in r.message]
    assert len(refused) == walked
    assert any("'http://evil.example'" in line for line in refused)


def test_the_same_requests_from_the_store_or_a_non_browser_are_let_through(site, app):
    """The control: without the forged headers nothing above is refused (a new anonymous
    visitor without any token; a route may still redirect to the login or find the form
    wrong, but none answers the refusal)."""
    for rule, method, url in unsafe_requests(site, app):
        for how, headers in GENUINE.items():
            browser = visitor(app)
            response = browser.client.open(
                url, method=method, data=site.data(rule), headers=headers
            )
            where = (method, url, how)
            assert response.status_code != 403, where
            assert REFUSAL_PAGE not in response.get_data(as_text=True), where


def test_an_anonymous_visitor_adds_to_the_cart_without_a_token_but_not_from_another_site(
    app, create_product
):
    guide = create_product(name="Guide PDF")
    forged = visitor(app).client
    response = forged.post(
        "/cart/add", data={"product_id": guide.id}, headers=FORGED["cross-site, with Origin"]
    )
    assert response.status_code == 403
    assert forged.get_cookie("session") is None
    assert "Guide PDF" not in forged.get("/cart").get_data(as_text=True)

    genuine = visitor(app).client
    response = genuine.post(
        "/cart/add", data={"product_id": guide.id}, headers=GENUINE["same-origin"]
    )
    assert response.status_code == 303
    assert "Guide PDF" in genuine.get("/cart").get_data(as_text=True)


def test_a_logged_in_visitor_still_needs_the_token_of_their_session(app, make_user, create_product):
    """Defence in depth: for a logged-in visitor, a same-origin POST without their token is the
    400 page (a browser too old to send Sec-Fetch-Site or Origin is covered this way)."""
    guide = create_product(name="Guide PDF")
    browser = logged_in(app, make_user("camille@example.org"))
    response = browser.client.post(
        "/cart/add", data={"product_id": guide.id}, headers=GENUINE["same-origin"]
    )
    assert response.status_code == 400
    assert "Rechargez la page" in response.get_data(as_text=True)
    response = browser.post("/cart/add", {"product_id": guide.id}, headers=GENUINE["same-origin"])
    assert response.status_code == 303
    assert "Guide PDF" in browser.client.get("/cart").get_data(as_text=True)


class TestBehindAProxy:
    """The app may see another Host than the one visitors use (a proxy that does not pass it
    on): PUBLIC_URL's origin is the site's own."""

    @pytest.fixture
    def app_config(self):
        return {"PUBLIC_URL": "https://gpt-actu.example"}

    def post(self, app, product, headers):
        client = app.test_client()
        return client.post(
            "/cart/add",
            data={"product_id": product.id},
            headers=headers,
            base_url="http://127.0.0.1:8000",
        )

    def test_the_public_origin_is_trusted_whatever_the_host(self, app, create_product):
        guide = create_product()
        for headers in (
            {"Origin": "https://gpt-actu.example"},
            {"Origin": "http://127.0.0.1:8000"},
            {"Sec-Fetch-Site": "same-origin", "Origin": "https://gpt-actu.example"},
        ):
            assert self.post(app, guide, headers).status_code == 303, headers

    def test_another_origin_is_still_refused(self, app, create_product):
        guide = create_product()
        for headers in (
            {"Origin": "https://evil.example"},
            {"Origin": "http://gpt-actu.example"},  # the site's name over plain http
            {"Origin": "https://gpt-actu.example.evil.example"},
            {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
            {"Sec-Fetch-Site": "same-site", "Origin": "https://shop.gpt-actu.example"},
        ):
            assert self.post(app, guide, headers).status_code == 403, headers
