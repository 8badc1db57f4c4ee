"""GET /healthz for a load balancer: the database answers; what is configured, to the operator."""

import hmac
import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from store.extensions import db
from store.payments import gateway

logger = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)


def _token_matches() -> bool:
    """True when the request carries `Authorization: Bearer <HEALTHZ_TOKEN>` (and one is set)."""
    expected = current_app.config.get("HEALTHZ_TOKEN") or ""
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    sent = sent.strip()
    if not expected or scheme.lower() != "bearer" or not sent:
        return False
    return hmac.compare_digest(
        sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _may_see_details(database_ok: bool) -> bool:
    """The operator (token) or an admin; anybody else learns only whether the store is up."""
    if _token_matches():
        return True
    # Without the database the admin's account cannot be read: the short answer, not a 500.
    return database_ok and current_user.is_authenticated and current_user.is_admin


def _details() -> dict:
    """Which backends and Stripe mode are configured (never a secret)."""
    config = current_app.config
    return {
        "database": {"backend": db.engine.dialect.name},
        "config": {
            "environment": config.get("STORE_ENV"),
            "stripe_configured": gateway.is_configured(),
            "stripe_webhook_secret_configured": gateway.webhook_secret_configured(),
            "stripe_test_mode": (config.get("STRIPE_SECRET_KEY") or "").startswith(
                gateway.TEST_KEY_PREFIXES
            ),
            "rate_limit_storage": (config.get("RATELIMIT_STORAGE_URI") or "memory://").split(
                ":", 1
            )[0],
            "secure_cookies": bool(config.get("SESSION_COOKIE_SECURE")),
        },
    }


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 otherwise; the configuration only to the operator."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as error:
        db.session.rollback()
        logger.error("health check: database unreachable: %s", error.__class__.__name__)
        database = "unreachable"
    body: dict = {"status": "ok" if database == "ok" else "unavailable"}
    if _may_see_details(database == "ok"):
        body.update(_details())
        body["database"]["status"] = database
    response = jsonify(body)
    response.status_code = 200 if database == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
