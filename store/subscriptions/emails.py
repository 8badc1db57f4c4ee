"""Messages about a subscription's money: a failed payment, a cancellation, the end.

Services flush; the caller commits.
"""

from datetime import timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l

from store.mail.models import OutboxMessage
from store.mail.services import queue_message
from store.payments.emails import recipient
from store.settings.services import grace_period_days
from store.subscriptions.models import Subscription


def _to(subscription: Subscription) -> tuple[str, str] | None:
    return recipient(subscription.user_id)


def _name(subscription: Subscription) -> str:
    if subscription.product is not None:
        return subscription.product.name
    if subscription.order is not None and subscription.order.lines:
        return subscription.order.lines[0].title
    return ""


def _queue(subscription: Subscription, key: str, template: str, **context) -> OutboxMessage | None:
    """Queue `template` to the subscription's customer, in their language (none if no account)."""
    to = _to(subscription)
    if to is None:
        return None
    address, locale = to
    return queue_message(key, address, template, locale=locale, name=_name(subscription), **context)


def queue_payment_failed(invoice_id: str, subscription: Subscription) -> OutboxMessage | None:
    """Warn that a renewal failed: where to fix the card, and until when access lasts."""
    grace_end = None
    if subscription.past_due_since is not None:
        grace_end = subscription.past_due_since + timedelta(days=grace_period_days())
    return _queue(
        subscription,
        f"payment-failed:{invoice_id}",
        "payment_failed",
        grace_end=grace_end,
        # The portal opens with a POST from the account page (no state change on a GET link).
        action_url=url_for("accounts.index", _external=True),
        action_label=_l("Update my payment method"),
    )


def queue_subscription_cancelled(subscription: Subscription) -> OutboxMessage | None:
    """Confirm a cancellation at the period end: access lasts until then."""
    end = subscription.current_period_end
    return _queue(
        subscription,
        f"subscription-cancelled:{subscription.stripe_subscription_id}:"
        f"{int(end.timestamp()) if end else ''}",
        "subscription_cancelled",
        access_until=end,
        action_url=url_for("accounts.index", _external=True, _anchor="purchases"),
        action_label=_l("Manage my subscription"),
    )


def queue_subscription_ended(subscription: Subscription) -> OutboxMessage | None:
    """Say that a subscription is over, and where to subscribe again."""
    return _queue(
        subscription,
        f"subscription-ended:{subscription.stripe_subscription_id}",
        "subscription_ended",
        action_url=url_for("catalog.index", _external=True),
        action_label=_l("See the offers"),
    )
