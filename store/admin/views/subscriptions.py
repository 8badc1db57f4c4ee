"""Subscriptions: the list, one subscription, and asking Stripe to cancel or resume it."""

import logging

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from store.access.keys import keys_of
from store.admin.forms import ConfirmForm
from store.admin.views.blueprint import bp, confirm, paginated
from store.extensions import db
from store.payments import gateway
from store.payments.services import payments_of_subscription
from store.subscriptions.models import Subscription, SubscriptionStatus
from store.subscriptions.services import search_subscriptions

logger = logging.getLogger(__name__)


@bp.get("/subscriptions")
def subscriptions():
    """Subscriptions by status."""
    status = request.args.get("status", "")
    return render_template(
        "admin/subscriptions.html",
        page=paginated(search_subscriptions(status)),
        status=status,
        statuses=list(SubscriptionStatus),
    )


@bp.get("/subscriptions/<id:subscription_id>")
def subscription_detail(subscription_id: int):
    """One subscription with its payments and the cancel/resume actions."""
    subscription = db.get_or_404(Subscription, subscription_id)
    return render_template(
        "admin/subscription_detail.html",
        subscription=subscription,
        payments=payments_of_subscription(subscription),
        access_keys=keys_of(subscription_id=subscription.id),
        form=ConfirmForm(),
        monthly=subscription.monthly_value_cents,
    )


def _set_cancel(subscription_id: int, cancel: bool):
    """Ask Stripe to cancel at the period end (after confirming) or to keep renewing; the
    webhook brings the change back."""
    subscription = db.get_or_404(Subscription, subscription_id)
    if cancel:
        asked = confirm(
            _(
                "Cancel subscription %(id)s at the end of its period? The customer "
                "keeps access until then.",
                id=subscription.stripe_subscription_id,
            ),
            _("Cancel at period end"),
        )
        if asked:
            return asked
    back = url_for("admin.subscription_detail", subscription_id=subscription.id)
    if not gateway.is_configured():
        flash(_("Stripe is not configured (STRIPE_SECRET_KEY)."), "error")
        return redirect(back, code=303)
    try:
        gateway.set_cancel_at_period_end(subscription.stripe_subscription_id, cancel)
    except gateway.StripeError as error:
        logger.error(
            "subscription %s: Stripe refused the change: %s",
            subscription.stripe_subscription_id,
            error,
        )
        flash(_("Stripe could not be reached; nothing changed. Try again in a moment."), "error")
        return redirect(back, code=303)
    logger.info(
        "admin %s asked Stripe to %s subscription %s",
        current_user.id,
        "cancel" if cancel else "resume",
        subscription.stripe_subscription_id,
    )
    flash(
        _(
            "Stripe accepted the request. This page shows the change once Stripe's webhook "
            "confirms it."
        ),
        "success",
    )
    return redirect(back, code=303)


@bp.post("/subscriptions/<id:subscription_id>/cancel")
def subscription_cancel(subscription_id: int):
    """Ask Stripe to cancel at the period end."""
    return _set_cancel(subscription_id, True)


@bp.post("/subscriptions/<id:subscription_id>/resume")
def subscription_resume(subscription_id: int):
    """Ask Stripe to keep renewing a subscription set to cancel."""
    return _set_cancel(subscription_id, False)
