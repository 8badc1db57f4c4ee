"""GET /api/v1/access: does this key open its product now? Called by the service in front of
GPT 4 with the customer's key; answers JSON only, never a page (docs/access-api.yaml)."""

import hashlib
import logging
import math
import time

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from store.access.keys import check_key
from store.extensions import db, limiter

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: what a 401 says, by reason
_ERRORS = {
    "missing_key": "Send the key as 'Authorization: Bearer <key>'.",
    "invalid_key": "This key is unknown or was revoked.",
    "inactive": "The purchase behind this key is not paid up: access is closed.",
}


#: far longer than any key the store issues (48 characters): refused without a query
MAX_KEY_LENGTH = 200


def _bearer_key() -> str | None:
    """The key sent as `Authorization: Bearer <key>`, or None when there is none."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    return key if scheme.lower() == "bearer" and key else None


def _per_key() -> str:
    """Rate-limit bucket of the key sent (hashed: the limiter's storage never holds a key)."""
    key = _bearer_key() or ""
    return "api-key:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _json(status: int, body: dict):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _unauthorised(reason: str):
    response = _json(401, {"active": False, "error": reason, "message": _ERRORS[reason]})
    response.headers["WWW-Authenticate"] = f'Bearer realm="access", error="{reason}"'
    return response


def _time(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


@bp.get("/access")
@limiter.limit(lambda: current_app.config["ACCESS_API_LIMIT_PER_IP"])
@limiter.limit(
    lambda: current_app.config["ACCESS_API_LIMIT_PER_KEY"],
    key_func=_per_key,
    exempt_when=lambda: _bearer_key() is None,  # no key, no key bucket: the per-IP limit holds
)
def access():
    """Whether the key's purchase is paid up, for which product and plan, and until when."""
    key = _bearer_key()
    if key is None:
        return _unauthorised("missing_key")
    if len(key) > MAX_KEY_LENGTH:
        return _unauthorised("invalid_key")
    check = check_key(key)
    if not check.active:
        return _unauthorised(check.outcome)
    product = check.product
    if product is None:  # the product was deleted since: the key opens nothing any more
        return _unauthorised("inactive")
    return _json(
        200,
        {
            "active": True,
            "product": {"slug": product.slug, "name": product.name},
            "plan": check.plan,
            "status": check.status,
            "current_period_end": _time(check.current_period_end),
            "grace_period_end": _time(check.grace_period_end),
            "renews": check.renews,
        },
    )


@bp.errorhandler(HTTPException)
def json_error(error: HTTPException):
    """Errors of the API (429 from the rate limits…) in JSON, like its answers."""
    response = _json(
        error.code or 500,
        {
            "active": False,
            "error": error.name.lower().replace(" ", "_"),
            "message": error.description,
        },
    )
    if response.status_code == 429:
        response.headers["Retry-After"] = str(_seconds_until_reset())
    return response


@bp.errorhandler(InternalServerError)
def server_error(error: InternalServerError):
    """A bug (Flask logs it): undone, and answered in JSON rather than the site's 500 page,
    whose handler is registered for the 500 code and so comes before `json_error`."""
    db.session.rollback()
    return json_error(error)


@bp.errorhandler(OperationalError)
def database_unavailable(error: OperationalError):
    """The database did not answer: a JSON 503 the gateway can retry, not the site's page."""
    db.session.rollback()
    logger.error("access check: database unavailable: %s", error.orig.__class__.__name__)
    response = _json(
        503,
        {
            "active": False,
            "error": "service_unavailable",
            "message": "The store cannot check keys right now; try again shortly.",
        },
    )
    response.headers["Retry-After"] = "30"
    return response


def _seconds_until_reset() -> int:
    """When the limit that was hit lets calls through again (60 s if the limiter cannot say)."""
    limit = limiter.current_limit
    if limit is None:
        return 60
    reset_at, _ = limit.window
    return max(1, math.ceil(reset_at - time.time()))
