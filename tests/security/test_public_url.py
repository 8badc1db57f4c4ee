"""Every absolute URL the store builds starts with PUBLIC_URL, whatever Host a client sends;
production refuses to start without it."""

import re

import pytest

from store import create_app
from store.catalog.models import Billing
from store.config import ConfigurationError
from tests.conftest import CHECKOUT_CONSENT

PUBLIC = "https://gpt-actu.example"
EVIL = {"Host": "evil.example"}


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": False, "PUBLIC_URL": PUBLIC}


def absolute_urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def test_pages_feed_and_sitemap_link_to_the_public_url_whatever_the_host(
    client, seeded, create_article
):
    article = create_article(slug="un-article")
    for url in [
        "/",
        f"/articles/{article.slug}",
        "/shop",
        "/feed.xml",
        "/sitemap.xml",
        "/robots.txt",
    ]:
        response = client.get(url, headers=EVIL)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert "evil.example" not in text, url
        own = [link for link in absolute_urls(text) if "gpt-actu.example" in link]
        assert own, f"{url} links nowhere on the site"
    page = client.get(f"/articles/{article.slug}", headers=EVIL).get_data(as_text=True)
    assert f'<link rel="canonical" href="{PUBLIC}/articles/un-article">' in page
    assert f'<meta property="og:url" content="{PUBLIC}/articles/un-article">' in page


def test_no_redirect_leads_to_the_host_a_client_sent(app, client, seeded):
    """With TRUSTED_HOSTS unset, Werkzeug's own redirects (doubled slashes merged) were built
    from the Host header: `GET /shop//x` with `Host: evil.example` answered
    `Location: http://evil.example/shop/x`. Every GET route, with its slashes doubled."""
    assert not app.config["TRUSTED_HOSTS"]
    paths = sorted(
        {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}
        - {"/static/<path:filename>"}
    )
    paths = [re.sub(r"<[^>]+>", "x", path) for path in paths]
    redirects = 0
    for path in paths:
        for variant in (
            path.replace("/", "//"),
            "/" + path,
            path + "//",
            "/en" + path.replace("/", "//"),
        ):
            response = client.get(variant, headers=EVIL)
            redirects += 300 <= response.status_code < 400
            for name, value in response.headers:
                assert "evil.example" not in value, (variant, name, value)
            location = response.headers.get("Location", "")
            assert not location.startswith("//"), (variant, location)
    assert redirects >= len(paths)  # the walk met the redirects it is about


def test_stripe_is_sent_the_public_return_pages(
    db, client, payments, forms, customer, create_product
):
    offer = create_product(name="Accès à GPT 4", billing=Billing.MONTHLY)
    client.environ_base["HTTP_HOST"] = "evil.example"  # every request from now on
    forms.post("/cart/add", {"product_id": offer.id})
    assert forms.post("/checkout", CHECKOUT_CONSENT).status_code == 303
    sent = payments.last("POST", "/v1/checkout/sessions").params
    assert sent["success_url"].startswith(f"{PUBLIC}/checkout/success?")
    assert sent["cancel_url"].startswith(f"{PUBLIC}/checkout/cancel?")


@pytest.mark.parametrize(
    "public_url", [None, "", "gpt-actu.example", "ftp://x.example", "https://"]
)
def test_production_refuses_to_start_without_a_public_url(tmp_path, monkeypatch, public_url):
    monkeypatch.delenv("STORE_ENV", raising=False)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
        "SECRET_KEY": "k" * 40,
        "PUBLIC_URL": public_url,
    }
    with pytest.raises(ConfigurationError, match="PUBLIC_URL must be set"):
        create_app(config)
