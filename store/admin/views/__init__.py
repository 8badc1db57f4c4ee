"""The back office at /admin. Its one blueprint, `bp`, is defined in blueprint.py; each
screen adds its routes to it from its own module, imported here so that they exist."""

from store.admin.views import (  # noqa: F401  (importing a screen registers its routes)
    access_keys,
    articles,
    comments,
    customers,
    dashboard,
    legal,
    orders,
    products,
    settings,
    subscriptions,
)
from store.admin.views.blueprint import bp

__all__ = ["bp"]
