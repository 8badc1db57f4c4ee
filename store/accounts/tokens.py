"""Signed, expiring tokens for links mailed to customers (each purpose has its own salt)."""

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenExpired(ValueError):
    """The token is genuine but too old."""


class TokenInvalid(ValueError):
    """The token was not made by this store for this purpose (mistyped, cut, forged)."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # A salt per purpose: a token mailed for one use is worthless for any other.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"store-{purpose}")


def make_token(purpose: str, data: Any) -> str:
    """A URL-safe token carrying `data`, signed for `purpose` and dated now."""
    return _serializer(purpose).dumps(data)


def read_token(purpose: str, token: str, max_age: int) -> Any:
    """The data in a token made for `purpose` at most `max_age` seconds ago; raises
    TokenExpired or TokenInvalid."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired(purpose) from error
    except (BadSignature, ValueError, UnicodeError) as error:
        raise TokenInvalid(purpose) from error
