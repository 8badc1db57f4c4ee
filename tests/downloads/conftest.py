"""Fixtures of the download tests: every request in its own app context, as in production
(see tests/security/conftest.py: without it Flask-Login's cached user would leak from one
browser to the next, and the 404 on a foreign link would pass for the wrong reason)."""

from tests.security.conftest import isolated_requests  # noqa: F401  (autouse fixture)
