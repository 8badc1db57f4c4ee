"""Accounts at /account. Its one blueprint, `bp`, is defined in blueprint.py; each screen adds
its routes to it from its own module, imported here so that they exist."""

from store.accounts.views import (  # noqa: F401  (importing a screen registers its routes)
    account,
    email,
    my_data,
    recovery,
    session,
)
from store.accounts.views.blueprint import bp

__all__ = ["bp"]
