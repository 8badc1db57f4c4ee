"""The Content-Security-Policy's `form-action` sources, completed from the configuration.

`POST /checkout` and `POST /account/billing-portal` answer with a redirect to a page Stripe
hosts, and Chromium checks each redirect after a form's POST against `form-action`. When
`STRIPE_API_BASE` points the store at another server than Stripe (the tests' Stripe double),
that server hosts those pages, so its origin is allowed too; in production it is unset and the
policy is exactly the one written in `store.security.CONTENT_SECURITY_POLICY`.
"""

import re
from urllib.parse import urlsplit

from flask import current_app

#: `scheme://host[:port]`, nothing that could end the directive or add another one
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def configured_stripe_origin() -> str | None:
    """The origin of `STRIPE_API_BASE` when it is set (and well-formed), else None."""
    base = current_app.config.get("STRIPE_API_BASE") or ""
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    return origin if base and _ORIGIN.fullmatch(origin) else None


class FormActionSources:
    """The written sources, plus the configured Stripe's origin, read on each response.

    Flask-Talisman joins a directive's sources when it writes the header of each response, so
    the configuration is read then, not once at start-up (the tests point an app they have
    already created at the Stripe double)."""

    def __init__(self, written: str):
        self.written = written.split()

    def __iter__(self):
        yield from self.written
        origin = configured_stripe_origin()
        if origin and origin not in self.written:
            yield origin
