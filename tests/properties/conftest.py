"""Fixtures of the property tests: the same production-like app as tests/security (rate
limits off, crashes answered with the 500 page, one app context per request, cheap hashes)."""

import pytest

from tests.security.conftest import (  # noqa: F401  (fixtures used by these tests)
    cheap_password_hashes,
    isolated_requests,
    make_user,
)


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": False}
