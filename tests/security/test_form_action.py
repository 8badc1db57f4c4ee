"""The Content-Security-Policy says where a form may send the browser: the site itself and
Stripe's hosted Checkout and customer portal, nowhere else (an injected form, or a redirect
after a POST, cannot carry what a visitor typed to another site)."""

import pytest

PRODUCTION_FORM_ACTION = "'self' https://checkout.stripe.com https://billing.stripe.com"


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: sources for name, _, sources in parts}


@pytest.mark.parametrize("url", ["/", "/cart", "/account/login", "/account", "/nope", "/healthz"])
def test_every_response_limits_form_targets_to_the_site_and_stripe(client, url):
    policy = directives(client.get(url))
    assert policy["form-action"] == PRODUCTION_FORM_ACTION
    assert policy["frame-ancestors"] == "'none'" and policy["script-src"] == "'self'"


def test_a_configured_stripe_api_base_hosts_the_pages_and_is_allowed(client, payments):
    """The tests' Stripe double (STRIPE_API_BASE) serves Checkout and the portal itself."""
    policy = directives(client.get("/cart"))
    assert policy["form-action"] == f"{PRODUCTION_FORM_ACTION} {payments.base_url}"


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:1234; script-src *",
        "http://evil.example 'unsafe-inline'",
        "javascript:alert(1)",
        "data:text/html,x",
        "http://user:password@127.0.0.1:1234",
        "127.0.0.1:1234",
    ],
)
def test_a_malformed_stripe_api_base_adds_nothing_to_the_policy(app, client, base):
    app.config["STRIPE_API_BASE"] = base
    policy = directives(client.get("/cart"))
    assert policy["form-action"] == PRODUCTION_FORM_ACTION
    assert policy["script-src"] == "'self'"


def test_only_the_origin_of_the_api_base_is_allowed(app, client):
    app.config["STRIPE_API_BASE"] = "http://stripe-double.internal:12111/v1/"
    policy = directives(client.get("/cart"))
    assert policy["form-action"] == f"{PRODUCTION_FORM_ACTION} http://stripe-double.internal:12111"
