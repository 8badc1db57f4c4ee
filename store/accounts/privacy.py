"""A customer's own data: "export my data" and "delete my account".

Deleting an account erases the person, not the accounting: orders and payments stay (French
law keeps accounting records ten years, Code de commerce art. L123-22) but no longer say whom
they were for. Comments the account wrote while logged in are deleted with it: they are the
person's words and name, and no reply hangs on them. (An anonymous comment that typed the
account's address is not theirs, anybody can type an address: it stays, without the address.)
Services flush; the caller commits.
"""

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from store.access.models import AccessKey
from store.accounts.models import User
from store.articles.models import Comment
from store.database import utcnow
from store.downloads.models import DownloadCount
from store.extensions import db
from store.mail.models import OutboxMessage
from store.orders.models import Order
from store.payments import gateway
from store.payments.models import Customer, Payment
from store.subscriptions.models import Subscription
from store.subscriptions.services import upsert_subscription

logger = logging.getLogger(__name__)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _orders(user: User) -> list[Order]:
    return list(
        db.session.scalars(sa.select(Order).where(Order.user_id == user.id).order_by(Order.id))
    )


def _subscriptions(user: User) -> list[Subscription]:
    return list(
        db.session.scalars(
            sa.select(Subscription).where(Subscription.user_id == user.id).order_by(Subscription.id)
        )
    )


def _payments(user: User, order_ids: list[int]) -> list[Payment]:
    return list(
        db.session.scalars(
            sa.select(Payment)
            .where(sa.or_(Payment.user_id == user.id, Payment.order_id.in_(order_ids)))
            .order_by(Payment.id)
        )
    )


def _comments(user: User) -> list[Comment]:
    return list(
        db.session.scalars(
            sa.select(Comment).where(Comment.user_id == user.id).order_by(Comment.id)
        )
    )


def export_data(user: User) -> dict[str, Any]:
    """Everything the store keeps about the account, as JSON-ready data (keys masked)."""
    orders = _orders(user)
    order_ids = [order.id for order in orders]
    numbers = {order.id: order.number for order in orders}
    downloads: dict[int, list[dict[str, Any]]] = {}
    for count in db.session.scalars(
        sa.select(DownloadCount).where(DownloadCount.order_id.in_(order_ids))
    ):
        downloads.setdefault(count.order_id, []).append(
            {
                "product_id": count.product_id,
                "downloads": count.downloads,
                "last_download_at": _when(count.last_download_at),
            }
        )
    keys = db.session.scalars(
        sa.select(AccessKey).where(AccessKey.user_id == user.id).order_by(AccessKey.id)
    )
    return {
        "exported_at": utcnow().isoformat(),
        "account": {
            "email": user.email,
            "created_at": _when(user.created_at),
            "language": user.locale,
        },
        "orders": [
            {
                "number": order.number,
                "status": order.status.value,
                "mode": order.mode.value,
                "email": order.email,
                "total_cents": order.total_cents,
                "discount_cents": order.discount_cents,
                "promotion_code": order.promotion_code,
                "currency": order.currency,
                "created_at": _when(order.created_at),
                "paid_at": _when(order.paid_at),
                "lines": [
                    {
                        "title": line.title,
                        "quantity": line.quantity,
                        "unit_price_cents": line.unit_price_cents,
                        "currency": line.currency,
                        "interval": line.interval.value if line.interval else None,
                    }
                    for line in order.lines
                ],
                "downloads": downloads.get(order.id, []),
            }
            for order in orders
        ],
        "subscriptions": [
            {
                "product": subscription.product.name if subscription.product else None,
                "status": subscription.status.value,
                "order": numbers.get(subscription.order_id or 0),
                "current_period_end": _when(subscription.current_period_end),
                "cancel_at_period_end": subscription.cancel_at_period_end,
                "canceled_at": _when(subscription.canceled_at),
                "created_at": _when(subscription.created_at),
            }
            for subscription in _subscriptions(user)
        ],
        "payments": [
            {
                "status": payment.status.value,
                "amount_cents": payment.amount_cents,
                "currency": payment.currency,
                "order": numbers.get(payment.order_id or 0),
                "period_start": _when(payment.period_start),
                "period_end": _when(payment.period_end),
                "created_at": _when(payment.created_at),
            }
            for payment in _payments(user, order_ids)
        ],
        "comments": [
            {
                "article": comment.article.title,
                "name": comment.author_name,
                "website": comment.author_website,
                "body": comment.body,
                "status": comment.status.value,
                "created_at": _when(comment.created_at),
            }
            for comment in _comments(user)
        ],
        "access_keys": [
            {
                "key": key.masked,
                "product": key.product.name if key.product else None,
                "created_at": _when(key.created_at),
                "revoked_at": _when(key.revoked_at),
            }
            for key in keys
        ],
    }


class CancellationFailed(RuntimeError):
    """Stripe did not cancel a subscription: nothing was deleted."""


def cancel_subscriptions(user: User) -> None:
    """End every subscription of the account at Stripe now; raises CancellationFailed."""
    for subscription in _subscriptions(user):
        if subscription.has_ended:
            continue
        if not gateway.is_configured():
            raise CancellationFailed(subscription.stripe_subscription_id)
        try:
            stripe_object = gateway.cancel_subscription(subscription.stripe_subscription_id)
        except gateway.StripeError as error:
            # Already ended at Stripe (a cancellation whose webhook has not come yet) is fine.
            try:
                stripe_object = gateway.retrieve_subscription(subscription.stripe_subscription_id)
            except gateway.StripeError:
                raise CancellationFailed(subscription.stripe_subscription_id) from error
            if stripe_object.get("status") not in ("canceled", "incomplete_expired"):
                raise CancellationFailed(subscription.stripe_subscription_id) from error
        upsert_subscription(stripe_object)
        logger.info(
            "subscription %s cancelled: user %s deletes their account",
            subscription.stripe_subscription_id,
            user.id,
        )


def anonymous_email(user_id: int) -> str:
    """What a deleted customer's orders say instead of their address (`.invalid` is never
    delivered, RFC 2606)."""
    return f"deleted-{user_id}@invalid"


def delete_account(user: User) -> None:
    """Erase the person: cancel their subscriptions at Stripe, delete their account, keys,
    comments and mail, and keep their orders and payments without their identity."""
    cancel_subscriptions(user)
    user_id, email = user.id, user.email
    orders = _orders(user)
    order_ids = [order.id for order in orders]
    for order in orders:
        order.email = anonymous_email(user_id)
        order.user_id = None
        order.pending_key = None  # "<user id>:<cart>": nothing to resume any more
    for payment in _payments(user, order_ids):
        payment.user_id = None
    for subscription in _subscriptions(user):
        subscription.user_id = None
    # Keys first: a key whose row is gone opens nothing, and none may outlive its owner.
    db.session.execute(sa.delete(AccessKey).where(AccessKey.user_id == user_id))
    db.session.execute(sa.delete(Customer).where(Customer.user_id == user_id))
    comment_ids = list(db.session.scalars(sa.select(Comment.id).where(Comment.user_id == user_id)))
    db.session.execute(sa.delete(Comment).where(Comment.id.in_(comment_ids)))
    # Comments of nobody that carry the address (written before comments had accounts, or
    # typed by a stranger): the address is the person's and goes; the words may be another's
    # and stay.
    db.session.execute(
        sa.update(Comment)
        .where(Comment.user_id.is_(None), Comment.author_email == email)
        .values(author_email="")
    )
    db.session.execute(
        sa.delete(OutboxMessage).where(
            sa.or_(
                OutboxMessage.to_address == email,
                # the admins' "a comment awaits moderation" carries the name they signed with
                *(OutboxMessage.key.startswith(f"comment-pending:{cid}:") for cid in comment_ids),
                OutboxMessage.text_body.contains(email, autoescape=True),
                OutboxMessage.key.startswith(f"password-reset:{user_id}:"),
                OutboxMessage.key.startswith(f"email-change:{user_id}:"),
                OutboxMessage.key.startswith(f"email-change-notice:{user_id}:"),
            )
        )
    )
    db.session.delete(user)
    db.session.flush()
    logger.info("account %s deleted; %s order(s) kept anonymised", user_id, len(orders))
