"""Helpers shared by the forms of several features."""


def strip(value):
    """WTForms filter: drop the spaces around a typed value (None stays None)."""
    return value.strip() if isinstance(value, str) else value
