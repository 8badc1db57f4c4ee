"""Fixtures of the security tests: rate limits off, errors answered as in production.

`PROPAGATE_EXCEPTIONS` is off so that a crash is answered with the 500 page a visitor would
see (and the test reports the status) rather than raised inside the test client.
"""

import pytest

from tests.conftest import postgresql_url

#: the suite's second run, on PostgreSQL (CI sets TEST_DATABASE_URL)
ON_POSTGRESQL = postgresql_url() is not None


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": False}
