"""The skeleton: seed command, migrations, error pages, layout."""

import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from store import create_app
from store.articles.models import Article
from store.catalog.models import Product
from store.extensions import db as _db
from store.search.schema import include_object


def test_seed_loads_the_demo_content_once(runner, db):
    first = runner.invoke(args=["store", "seed"])
    assert first.exit_code == 0, first.output
    assert "Loaded 3 products and 1 article." in first.output
    second = runner.invoke(args=["store", "seed"])
    assert second.exit_code == 0
    assert "nothing loaded" in second.output
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 3
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 1
    billings = sorted(p.billing.value for p in db.session.scalars(sa.select(Product)))
    assert billings == ["month", "one_time", "year"]


def test_migrations_build_the_schema_the_models_describe(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}",
        }
    )
    with app.app_context():
        upgrade()
        with _db.engine.connect() as connection:
            # The search index (FTS5 table or GIN index) lives outside the models' metadata.
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object}
            )
            diff = compare_metadata(context, _db.metadata)
        assert diff == []


def test_404_page_is_in_the_site_look(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page introuvable" in page
    assert "Votre panier" in page and "Suivez-nous" in page


def test_the_footer_links_no_social_network_when_none_is_configured(client):
    footer = client.get("/").get_data(as_text=True).split("<footer")[1]
    assert "Suivez-nous" in footer and 'hreflang="en"' in footer
    assert 'class="social"' not in footer
    for network in ("facebook.com", "x.com", "linkedin.com", "youtube.com"):
        assert network not in footer


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "SOCIAL_X_URL": "https://x.com/gptactu",
            "SOCIAL_YOUTUBE_URL": "https://www.youtube.com/@gptactu",
        }
    ],
)
def test_the_footer_links_the_social_networks_configured(client):
    footer = client.get("/").get_data(as_text=True).split("<footer")[1]
    social = footer.split('<ul class="social">')[1].split("</ul>")[0]
    assert re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', social) == [
        ("https://x.com/gptactu", "X"),
        ("https://www.youtube.com/@gptactu", "YouTube"),
    ]
    assert "Suivez-nous" in footer and 'hreflang="en"' in footer


def test_social_links_are_web_addresses_or_nothing(tmp_path, monkeypatch):
    from store.config import from_environment

    names = ["SOCIAL_FACEBOOK_URL", "SOCIAL_X_URL", "SOCIAL_LINKEDIN_URL", "SOCIAL_YOUTUBE_URL"]
    for name in names:
        monkeypatch.delenv(name, raising=False)
    config = from_environment(str(tmp_path), generate_secret=False)
    assert [config[name] for name in names] == ["", "", "", ""]

    monkeypatch.setenv("SOCIAL_FACEBOOK_URL", " https://www.facebook.com/gptactu ")
    monkeypatch.setenv("SOCIAL_X_URL", "javascript:alert(1)")
    monkeypatch.setenv("SOCIAL_LINKEDIN_URL", "//www.linkedin.com/company/gptactu")
    monkeypatch.setenv("SOCIAL_YOUTUBE_URL", "https://")
    config = from_environment(str(tmp_path), generate_secret=False)
    assert [config[name] for name in names] == ["https://www.facebook.com/gptactu", "", "", ""]


def test_500_page_rolls_back_and_is_in_the_site_look(app, db):
    @app.get("/boom")
    def boom():
        db.session.add(Product(slug="half", name="Half", price_cents=1, billing="one_time"))
        db.session.flush()
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Un problème est survenu de notre côté" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 0


def test_layout_has_no_external_assets(client, seeded):
    for url in ["/", "/shop", "/cart", "/articles/differend-openai-elon-musk-blague-proces"]:
        page = client.get(url).get_data(as_text=True)
        for tag in ("<link", "<script", "<img"):
            for chunk in page.split(tag)[1:]:
                attrs = chunk.split(">")[0]
                if 'rel="canonical"' in attrs or "hreflang=" in attrs:
                    continue  # addresses for search engines, never fetched by the browser
                assert "http://" not in attrs and "https://" not in attrs, (url, attrs)


def test_development_secret_is_generated_into_the_instance_folder(tmp_path, monkeypatch):
    from store.config import from_environment

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("STORE_ENV", "development")
    first = from_environment(str(tmp_path))["SECRET_KEY"]
    assert len(first) >= 32
    assert from_environment(str(tmp_path))["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").read_text() == first


def test_database_url_selects_postgresql_with_psycopg(tmp_path, monkeypatch):
    from store.config import from_environment

    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/store")
    config = from_environment(str(tmp_path), generate_secret=False)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/store"
