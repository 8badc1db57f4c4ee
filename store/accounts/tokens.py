"""Signed, timed tokens for the links the store mails (email confirmation, password reset,
email change). Each purpose has its own salt, so a token made for one purpose is refused by
every other. The payload is signed, not encrypted: never put a secret in it."""

from typing import Any

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

#: longer than any token the store makes: anything bigger is refused before it is decoded
MAX_TOKEN_LENGTH = 1000


class TokenExpired(ValueError):
    """The token is genuine but too old."""


class TokenInvalid(ValueError):
    """The token was not made by this store for this purpose (mistyped, cut, forged)."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"store-{purpose}")


def make_token(purpose: str, data: dict[str, Any]) -> str:
    """A URL-safe token carrying `data`, signed for `purpose` and dated now."""
    return _serializer(purpose).dumps(data)


def read_token(purpose: str, token: str, max_age: int) -> dict[str, Any]:
    """The data of a token made for `purpose` at most `max_age` seconds ago; raises
    TokenExpired or TokenInvalid."""
    if not isinstance(token, str) or not token.isascii() or len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid(purpose)
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired(purpose) from error
    except (BadData, ValueError, UnicodeError) as error:
        raise TokenInvalid(purpose) from error
    if not isinstance(data, dict):
        raise TokenInvalid(purpose)
    return data


def valid_token(purpose: str, token: str, max_age: int) -> dict[str, Any] | None:
    """The token's data, or None whatever is wrong with it (where the reason is not shown)."""
    try:
        return read_token(purpose, token, max_age)
    except (TokenExpired, TokenInvalid):
        return None
