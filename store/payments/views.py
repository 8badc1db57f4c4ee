"""POST /stripe/webhook: Stripe tells the store what happened."""

import logging

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError, OperationalError

from store.extensions import csrf, db
from store.payments import gateway, stripe_objects, webhooks

logger = logging.getLogger(__name__)

bp = Blueprint("payments", __name__)

#: a conflict with a concurrent delivery is retried this many times before Stripe retries
ATTEMPTS = 3


@bp.post("/stripe/webhook")
@csrf.exempt
def webhook():
    """Verify the signature, then record and apply the event exactly once."""
    payload = request.get_data(cache=False)
    try:
        event = gateway.verify_webhook(payload, request.headers.get("Stripe-Signature"))
    except gateway.BadSignature as error:
        logger.warning("webhook refused: %s", error)
        return jsonify(error="invalid signature"), 400
    except gateway.MalformedEvent as error:
        logger.warning("webhook refused, malformed: %s", error)
        return jsonify(error="malformed event"), 400
    event_id = event.get("id")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= stripe_objects.MAX_ID_LENGTH:
        logger.warning("webhook refused: the event has no usable id")
        return jsonify(error="event without id"), 400

    for attempt in range(1, ATTEMPTS + 1):
        try:
            applied = webhooks.process_event(event)
            db.session.commit()
            logger.info(
                "webhook %s %s %s",
                event_id,
                event.get("type"),
                "applied" if applied else "already processed",
            )
            return jsonify(received=True, duplicate=not applied)
        except (IntegrityError, OperationalError) as error:
            # A concurrent delivery of this event, or of another about the same object,
            # committed first: start again from what is stored now.
            db.session.rollback()
            if webhooks.event_seen(event_id):
                return jsonify(received=True, duplicate=True)
            logger.warning(
                "webhook %s: conflict on attempt %d: %s",
                event_id,
                attempt,
                error.__class__.__name__,
            )
        except stripe_objects.MalformedObject as error:
            # Nothing of it is kept, the event id included: Stripe's retry of a corrected
            # event is applied.
            db.session.rollback()
            logger.warning("webhook %s refused, malformed: %s", event_id, error)
            return jsonify(error="malformed event"), 400
        except gateway.StripeError as error:
            db.session.rollback()
            if gateway.is_missing(error):
                logger.warning("webhook %s refused: Stripe has no such object: %s", event_id, error)
                return jsonify(error="unknown object"), 400
            logger.error("webhook %s: Stripe call failed: %s", event_id, error)
            return jsonify(error="stripe unavailable, retry later"), 503
    return jsonify(error="conflict, retry later"), 409
