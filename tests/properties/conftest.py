"""Fixtures of the property tests: the same production-like app as tests/security (rate
limits off, crashes answered with the 500 page)."""

import pytest


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": False}
