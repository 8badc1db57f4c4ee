"""Signed, timed tokens for the links the store mails (password reset, email change…).

Each purpose has its own salt, so a token made for one purpose is refused by every other.
The payload is signed, not encrypted: never put a secret in it.
"""

from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

#: longer than any token the store makes: anything bigger is refused before it is decoded
MAX_TOKEN_LENGTH = 1000


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"store.{purpose}")


def make_token(purpose: str, data: dict[str, Any]) -> str:
    """A URL-safe token carrying `data`, signed for `purpose` and dated now."""
    return _serializer(purpose).dumps(data)


def read_token(purpose: str, token: str, max_age: int) -> dict[str, Any] | None:
    """The data of a token made for `purpose` at most `max_age` seconds ago; None when it is
    expired, tampered with, made for another purpose, or not a token at all."""
    if not isinstance(token, str) or not token.isascii() or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (BadData, ValueError, UnicodeError):
        return None
    return data if isinstance(data, dict) else None
