"""GET /healthz for a load balancer: the database answers, and what is configured."""

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from store.extensions import db
from store.payments import stripe_gateway

logger = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 otherwise; never shows a secret."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as error:
        db.session.rollback()
        logger.error("health check: database unreachable: %s", error.__class__.__name__)
        database = "unreachable"
    config = current_app.config
    body = {
        "status": "ok" if database == "ok" else "unavailable",
        "database": {"status": database, "backend": db.engine.dialect.name},
        "config": {
            "environment": config.get("STORE_ENV"),
            "stripe_configured": stripe_gateway.is_configured(),
            "stripe_webhook_secret_configured": stripe_gateway.webhook_secret_configured(),
            "stripe_test_mode": (config.get("STRIPE_SECRET_KEY") or "").startswith(
                stripe_gateway.TEST_KEY_PREFIXES
            ),
            "rate_limit_storage": (config.get("RATELIMIT_STORAGE_URI") or "memory://").split(
                ":", 1
            )[0],
            "secure_cookies": bool(config.get("SESSION_COOKIE_SECURE")),
        },
    }
    response = jsonify(body)
    response.status_code = 200 if database == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
