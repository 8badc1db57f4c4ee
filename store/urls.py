"""Redirect targets that cannot leave the site, and request values the database can hold."""

from urllib.parse import urlsplit

#: the largest id an INTEGER column holds (PostgreSQL's int4); larger ids exist nowhere
MAX_ID = 2**31 - 1
#: no list is this long; a bigger page number would only overflow the OFFSET
MAX_PAGE = 100_000


def safe_next(target: str | None, fallback: str) -> str:
    """Return `target` if it is a path on this site, else `fallback` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return fallback  # CR/LF would split the Location header; tabs hide a "//"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def page_number(value) -> int:
    """A `page` request value as a usable page number (1 when missing or absurd)."""
    try:
        page = int(value)
    except (TypeError, ValueError):
        return 1
    return min(page, MAX_PAGE) if page >= 1 else 1


def valid_id(value) -> int | None:
    """An id typed by a client, if it is one a row could have."""
    text = str(value).strip()
    # Ten digits at most: longer cannot be a row id, and int() of thousands of digits raises.
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
