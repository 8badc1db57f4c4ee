"""Reading fields of Stripe objects (events and API answers) as the store's columns need them.

Every field the store keeps goes through one of these readers: a missing field, a value of the
wrong type or one the columns cannot hold raises MalformedObject, which the webhook answers
with a 400 (nothing kept, so Stripe's corrected retry is applied).
"""

from datetime import UTC, datetime
from typing import Any, Literal, overload

#: the longest Stripe id the store's columns hold
MAX_ID_LENGTH = 255
#: the longest event type the webhook_event table holds
MAX_EVENT_TYPE_LENGTH = 100
#: the largest amount a payment row holds (an INTEGER column)
MAX_AMOUNT = 2**31 - 1
#: 9999-12-31T23:59:59Z, the last second a database timestamp holds
MAX_TIMESTAMP = 253_402_300_799


class MalformedObject(ValueError):
    """A Stripe object lacks a field the store needs, or holds a value of the wrong type.

    Raised before anything is committed: the webhook answers 400, so that Stripe retries the
    event, and a corrected delivery is applied.
    """


def malformed(key: str, value: Any, expected: str) -> MalformedObject:
    return MalformedObject(f"{key} is {type(value).__name__}, expected {expected}")


@overload
def text(obj: dict[str, Any], key: str, *, required: Literal[True]) -> str: ...


@overload
def text(obj: dict[str, Any], key: str, *, required: bool = False) -> str | None: ...


def text(obj: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    """A string field of a Stripe object, such as an id (None when absent and not required)."""
    value = obj.get(key)
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_LENGTH:
        raise malformed(key, value, f"a string of 1 to {MAX_ID_LENGTH} characters")
    return value


def reference(obj: dict[str, Any], key: str) -> str | None:
    """A Stripe reference that may be an id or an expanded object."""
    value = obj.get(key)
    if isinstance(value, dict):
        return text(value, "id", required=True)
    return text(obj, key)


def mapping(obj: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested hash (metadata, parent…); empty when absent."""
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise malformed(key, value, "an object")
    return value


def list_data(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The elements of a Stripe list field (subscription items, invoice lines)."""
    data = mapping(obj, key).get("data")
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise malformed(f"{key}.data", data, "a list of objects")
    return data


def array(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A plain array of hashes (a Checkout Session's discounts); empty when absent."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise malformed(key, value, "a list of objects")
    return value


def integer(obj: dict[str, Any], key: str, *, maximum: int) -> int | None:
    """A whole number from 0 to `maximum` (amounts, timestamps); None when absent."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise malformed(key, value, f"an integer from 0 to {maximum}")
    return value


def timestamp(obj: dict[str, Any], key: str) -> datetime | None:
    seconds = integer(obj, key, maximum=MAX_TIMESTAMP)
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def currency(obj: dict[str, Any]) -> str | None:
    """An ISO currency code, upper case as the store writes them ("eur" → "EUR")."""
    value = obj.get("currency")
    if value is None:
        return None
    if not (isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha()):
        raise malformed("currency", value, "a three-letter currency code")
    return value.upper()
