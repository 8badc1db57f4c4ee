"""The store: a French tech-news site with a subscription micro-store."""

import logging
import os

from flask import Flask, request
from flask_babel import format_datetime

from store import config


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    if test_config is None:
        from dotenv import load_dotenv

        load_dotenv()
        app.config.from_mapping(config.from_environment(app.instance_path))
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(config.from_environment(app.instance_path, generate_secret=False))
        app.config.update(test_config)

    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """Log INFO and above to stderr unless the host already configured logging."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def select_locale() -> str:
    """The interface language: French, the site's language."""
    return "fr"


def register_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    from store.extensions import babel, csrf, db, limiter, login_manager, migrate
    from store.payments import stripe_gateway

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    stripe_gateway.init_app(app)

    # Import the models so that Alembic and `create_all` see every table.
    from store.accounts.models import User
    from store.articles import models as _articles  # noqa: F401
    from store.catalog import models as _catalog  # noqa: F401
    from store.orders import models as _orders  # noqa: F401
    from store.payments import models as _payments  # noqa: F401

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page says what to do

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def register_blueprints(app: Flask) -> None:
    """Attach each feature's blueprint."""
    from store.accounts.views import bp as accounts_bp
    from store.admin.views import bp as admin_bp
    from store.articles.views import bp as articles_bp
    from store.cart.views import bp as cart_bp
    from store.catalog.views import bp as catalog_bp
    from store.checkout.views import bp as checkout_bp
    from store.payments.views import bp as payments_bp

    app.register_blueprint(articles_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(cart_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(admin_bp)


def register_errorhandlers(app: Flask) -> None:
    """Render HTTP errors in the site's look."""
    from store.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share."""
    from store.cart.forms import AddToCartForm, RemoveFromCartForm
    from store.cart.views import current_cart
    from store.money import format_money, format_price
    from store.payments.stripe_gateway import is_configured

    app.add_template_filter(format_money, "money")
    app.add_template_filter(format_price, "price")
    app.add_template_filter(lambda value, fmt="long": format_datetime(value, fmt), "datetime")
    app.add_template_filter(lambda value: format_datetime(value, "d MMMM y"), "date")

    @app.context_processor
    def inject_layout():
        return {
            "site_name": app.config["SITE_NAME"],
            "cart": current_cart(),
            "add_form": AddToCartForm(formdata=None),
            "remove_form": RemoveFromCartForm(formdata=None),
            "current_path": request.full_path.rstrip("?"),
            "payments_enabled": is_configured(),
        }


def register_commands(app: Flask) -> None:
    """The `flask store …` commands."""
    from store.admin import commands  # noqa: F401  (adds create-admin and sync-stripe)
    from store.seed import store_cli

    app.cli.add_command(store_cli)
