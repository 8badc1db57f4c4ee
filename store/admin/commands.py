"""`flask store create-admin` and `flask store sync-stripe`."""

import os

import click
import sqlalchemy as sa

from store.accounts.services import find_user_by_email, register_user
from store.admin.services import sync_product_to_stripe
from store.catalog.models import Product
from store.extensions import db
from store.payments import gateway
from store.seed import store_cli


@store_cli.command("create-admin")
@click.argument("email")
def create_admin(email: str) -> None:
    """Create an admin account (or make an existing account admin).

    The password is read from STORE_ADMIN_PASSWORD, or asked twice.
    """
    password = os.environ.get("STORE_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    if len(password) < 8:
        raise click.ClickException("The password needs at least 8 characters.")
    user = find_user_by_email(email)
    if user is None:
        user = register_user(email, password, is_admin=True)
        click.echo(f"Admin {user.email} created.")
    else:
        user.is_admin = True
        user.set_password(password)
        click.echo(f"{user.email} is now an admin (password updated).")
    db.session.commit()


@store_cli.command("sync-stripe")
def sync_stripe() -> None:
    """Create or update every product, and its current price, in Stripe."""
    if not gateway.is_configured():
        raise click.ClickException("STRIPE_SECRET_KEY is not set.")
    failures = 0
    for product in db.session.scalars(sa.select(Product).order_by(Product.id)):
        try:
            sync_product_to_stripe(product)
            db.session.commit()
            click.echo(f"{product.slug}: {product.stripe_product_id} / {product.stripe_price_id}")
        except gateway.StripeError as error:
            db.session.rollback()
            failures += 1
            click.echo(f"{product.slug}: FAILED ({error})", err=True)
    if failures:
        raise click.ClickException(f"{failures} product(s) could not be synced; run it again.")
