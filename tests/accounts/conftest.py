"""These tests check how passwords are stored: they hash for real."""

import pytest


@pytest.fixture
def cheap_password_hashes():
    """Overrides the suite's cheap hashing (tests/conftest.py) with the real one."""
