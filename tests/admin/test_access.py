"""Every /admin route needs an admin: walking the URL map proves it for each endpoint."""

import pytest
from werkzeug.routing import Rule


def admin_rules(app) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")]
    assert len(rules) >= 20  # the whole back office, not an empty list
    return rules


def concrete_url(rule: Rule) -> str:
    values = {name: 1 for name in rule.arguments}
    return rule.build(values)[1]


def requests_for(app):
    for rule in admin_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, concrete_url(rule)


def test_every_admin_route_sends_anonymous_visitors_to_login(app, client, forms):
    for method, url in requests_for(app):
        response = client.get(url) if method == "GET" else forms.post(url)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/account/login?next="), (method, url)


def test_every_admin_route_refuses_customers(app, client, forms, login_as):
    login_as("client@example.org", admin=False)
    for method, url in requests_for(app):
        response = client.get(url) if method == "GET" else forms.post(url)
        assert response.status_code == 403, (method, url)


def test_every_admin_url_lies_under_admin(app):
    assert all(rule.rule.startswith("/admin") for rule in admin_rules(app))


def test_admin_reaches_the_dashboard(client, admin):
    page = client.get("/admin").get_data(as_text=True)
    assert "Tableau de bord" in page


def test_the_dashboard_answers_with_a_trailing_slash_too(client, forms, login_as):
    anonymous = client.get("/admin/")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/account/login?next=/admin/"

    login_as("client@example.org", admin=False)
    assert client.get("/admin/").status_code == 403

    forms.post("/account/logout")
    login_as("admin@example.org")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Tableau de bord" in page


@pytest.mark.parametrize(
    "url",
    [
        "/admin/products",
        "/admin/articles",
        "/admin/comments",
        "/admin/orders",
        "/admin/subscriptions",
    ],
)
def test_every_list_opens_for_the_admin(client, admin, url):
    assert client.get(url).status_code == 200
