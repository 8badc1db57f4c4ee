"""The one module that talks to Stripe.

Everything else calls these functions. One `StripeClient` per app, with an explicit timeout
and network retries; `STRIPE_API_BASE` points it at a local test double in the tests.
Parameters are typed with the `stripe` package's own request types, so mypy checks every
parameter name against the library.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

import stripe
from flask import Flask, current_app

from store.orders.models import OrderMode

if TYPE_CHECKING:
    from stripe.params import (
        CustomerUpdateParams,
        PriceCreateParams,
        ProductCreateParams,
        ProductUpdateParams,
        SubscriptionCancelParams,
        SubscriptionRetrieveParams,
        SubscriptionUpdateParams,
    )
    from stripe.params.billing_portal import SessionCreateParams as PortalSessionCreateParams
    from stripe.params.checkout import SessionCreateParams, SessionRetrieveParams
    from stripe.params.checkout._session_create_params import (
        SessionCreateParamsLineItem,
        SessionCreateParamsLineItemPriceData,
    )

    from store.catalog.models import Product
    from store.orders.models import Order

logger = logging.getLogger(__name__)

EXTENSION_KEY = "stripe_client"
TEST_KEY_PREFIXES = ("sk_test_", "rk_test_")

# Stripe's error for a Stripe call that failed: callers catch this one class.
StripeError = stripe.StripeError


def is_missing(error: StripeError) -> bool:
    """True when Stripe answered that the object asked for does not exist."""
    return isinstance(error, stripe.InvalidRequestError) and error.code == "resource_missing"


class LiveKeyRefused(RuntimeError):
    """A live secret key was configured without STRIPE_ALLOW_LIVE_KEYS=1."""


class PaymentsNotConfigured(RuntimeError):
    """No STRIPE_SECRET_KEY: the store runs, but cannot take payments."""


def init_app(app: Flask) -> None:
    """Check the key and build the app's StripeClient (none without a key)."""
    key = app.config.get("STRIPE_SECRET_KEY") or ""
    if (
        key
        and not key.startswith(TEST_KEY_PREFIXES)
        and not app.config.get("STRIPE_ALLOW_LIVE_KEYS")
    ):
        raise LiveKeyRefused(
            "STRIPE_SECRET_KEY is not a test key (sk_test_… or rk_test_…). This store runs in "
            "Stripe test mode; set STRIPE_ALLOW_LIVE_KEYS=1 to accept a live key on purpose."
        )
    if not key:
        app.extensions[EXTENSION_KEY] = None
        logger.warning(
            "STRIPE_SECRET_KEY is not set: the store takes no payment (shoppers read that "
            "payments are not open yet). Set a test key as README.md's section "
            "'Payments with Stripe (test mode)' explains."
        )
        return
    base = app.config.get("STRIPE_API_BASE")
    timeout = float(app.config.get("STRIPE_TIMEOUT_SECONDS", 10))
    app.extensions[EXTENSION_KEY] = stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else None,
        max_network_retries=int(app.config.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
        # (connect, read) timeouts: a hung Stripe must not hold a worker for 80 s.
        http_client=stripe.RequestsClient(timeout=(min(timeout, 5.0), timeout)),
    )


def is_configured() -> bool:
    """True when a secret key is set."""
    return current_app.extensions.get(EXTENSION_KEY) is not None


def webhook_secret_configured() -> bool:
    return bool(current_app.config.get("STRIPE_WEBHOOK_SECRET"))


def _client() -> stripe.StripeClient:
    client = current_app.extensions.get(EXTENSION_KEY)
    if client is None:
        raise PaymentsNotConfigured("STRIPE_SECRET_KEY is not set")
    return client


def as_dict(obj: Any) -> dict[str, Any]:
    """A Stripe object as plain nested dicts and lists."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


# --- checkout --------------------------------------------------------------------------


def _line_item(line) -> SessionCreateParamsLineItem:
    product = line.product
    # The product's Stripe Price is used only while it sells at the terms the line snapshot.
    if (
        product is not None
        and product.stripe_price_current
        and product.price_cents == line.unit_price_cents
    ):
        return {"price": product.stripe_price_id or "", "quantity": line.quantity}
    price_data: SessionCreateParamsLineItemPriceData = {
        "currency": line.currency.lower(),
        "unit_amount": line.unit_price_cents,
        "tax_behavior": "inclusive",  # the store's prices are VAT included
        "product_data": {
            "name": line.title,
            "metadata": {"product_id": str(line.product_id or "")},
        },
    }
    if line.interval:
        price_data["recurring"] = {"interval": line.interval.stripe_interval}
    return {"price_data": price_data, "quantity": line.quantity}


def create_checkout_session(
    order: Order,
    *,
    customer_id: str | None,
    success_url: str,
    cancel_url: str,
    locale: str,
    submit_message: str,
    idempotency_key: str,
    allow_promotion_codes: bool = False,
    automatic_tax: bool = False,
    trial_days: int | None = None,
) -> tuple[str, str]:
    """Open a Checkout Session for `order`; returns (session id, URL to send the customer to).

    Line items come from the order's lines (themselves from the database, never the request).
    `submit_message` (the withdrawal waiver) is shown above Stripe's pay button. With
    `allow_promotion_codes` Stripe's page takes a promotion code; with `automatic_tax` Stripe
    Tax computes the tax (and asks for the address); `trial_days` starts the subscription with
    that many free days. The caller reads these settings, and puts them in the idempotency key.
    """
    metadata = {"order_number": order.number, "order_id": str(order.id)}
    params: SessionCreateParams = {
        "mode": "subscription" if order.mode is OrderMode.SUBSCRIPTION else "payment",
        "line_items": [_line_item(line) for line in order.lines],
        "client_reference_id": order.number,
        "metadata": metadata,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": locale,
        # Stripe caps the message at 1200 characters.
        "custom_text": {"submit": {"message": submit_message[:1200]}},
    }
    if current_app.config.get("STRIPE_TERMS_ACCEPTANCE"):
        # Stripe refuses this unless the terms URL is set in its dashboard (Public details).
        params["consent_collection"] = {"terms_of_service": "required"}
    if allow_promotion_codes:
        params["allow_promotion_codes"] = True
    if customer_id:
        params["customer"] = customer_id
    else:
        params["customer_email"] = order.email
    if automatic_tax:
        # Stripe Tax needs the customer's address; a known customer's is saved back to it.
        params["automatic_tax"] = {"enabled": True}
        params["billing_address_collection"] = "required"
        if customer_id:
            params["customer_update"] = {"address": "auto", "name": "auto"}
    if order.mode is OrderMode.SUBSCRIPTION:
        params["subscription_data"] = {"metadata": metadata}
        if trial_days:
            params["subscription_data"]["trial_period_days"] = trial_days
    else:
        params["payment_intent_data"] = {"metadata": metadata}
        # A one-time payment gets an invoice too (a subscription's are Stripe's own).
        params["invoice_creation"] = {"enabled": True, "invoice_data": {"metadata": metadata}}
        if not customer_id:
            # A one-time purchase creates a customer too, so the account can link to it.
            params["customer_creation"] = "always"
    session = _client().v1.checkout.sessions.create(
        params=params, options={"idempotency_key": idempotency_key}
    )
    url = getattr(session, "url", None)  # a missing field raises AttributeError
    if not url:
        # Nowhere to send the customer: as good as a refusal (the caller fails the order).
        raise StripeError(f"checkout session {session.id} came back without a URL")
    logger.info("order %s: checkout session %s created", order.number, session.id)
    return session.id, url


def retrieve_checkout_session(session_id: str) -> dict[str, Any]:
    """The Checkout Session as Stripe has it now (its subscription is fetched on its own),
    with the promotion codes of its discounts."""
    params: SessionRetrieveParams = {"expand": ["discounts.promotion_code"]}
    return as_dict(_client().v1.checkout.sessions.retrieve(session_id, params=params))


def retrieve_promotion_code(promotion_code_id: str) -> dict[str, Any]:
    """A promotion code, with the text the customer typed (`code`)."""
    return as_dict(_client().v1.promotion_codes.retrieve(promotion_code_id))


# --- customers -------------------------------------------------------------------------


def update_customer_email(customer_id: str, email: str) -> None:
    """Give the Stripe customer the account's new address (receipts and invoices go there)."""
    params: CustomerUpdateParams = {"email": email}
    _client().v1.customers.update(customer_id, params=params)


# --- subscriptions ---------------------------------------------------------------------


def retrieve_subscription(subscription_id: str) -> dict[str, Any]:
    """The subscription as Stripe has it now, each item's product expanded (its metadata
    names the store's product of a price made at checkout)."""
    params: SubscriptionRetrieveParams = {"expand": ["items.data.price.product"]}
    return as_dict(_client().v1.subscriptions.retrieve(subscription_id, params=params))


def set_cancel_at_period_end(subscription_id: str, cancel: bool) -> dict[str, Any]:
    """Ask Stripe to end the subscription at the period end (or to keep renewing it)."""
    params: SubscriptionUpdateParams = {"cancel_at_period_end": cancel}
    return as_dict(_client().v1.subscriptions.update(subscription_id, params=params))


def cancel_subscription(subscription_id: str) -> dict[str, Any]:
    """End the subscription now, without waiting for the period end (the account is deleted)."""
    params: SubscriptionCancelParams = {
        "cancellation_details": {"comment": "The customer deleted their account."}
    }
    return as_dict(_client().v1.subscriptions.cancel(subscription_id, params=params))


def create_portal_session(customer_id: str, *, return_url: str, locale: str) -> str:
    """A customer-portal session for this customer; returns its URL."""
    params: PortalSessionCreateParams = {
        "customer": customer_id,
        "return_url": return_url,
        "locale": locale,
    }
    return _client().v1.billing_portal.sessions.create(params=params).url


def retrieve_invoice(invoice_id: str) -> dict[str, Any]:
    """The invoice as Stripe has it now (its hosted page's URL, once finalised)."""
    return as_dict(_client().v1.invoices.retrieve(invoice_id))


# --- charges -------------------------------------------------------------------------------


def retrieve_charge(charge_id: str) -> dict[str, Any]:
    """The charge as Stripe has it now, with what was refunded of it."""
    return as_dict(_client().v1.charges.retrieve(charge_id))


# --- products and prices ----------------------------------------------------------------


def upsert_product(product: Product) -> str:
    """Create or update the Stripe Product for `product`; returns its id."""
    if product.stripe_product_id:
        update: ProductUpdateParams = {
            "name": product.name,
            "active": product.active,
            "metadata": {"product_id": str(product.id), "slug": product.slug},
        }
        if product.short_description:
            update["description"] = product.short_description
        return _client().v1.products.update(product.stripe_product_id, params=update).id
    create: ProductCreateParams = {
        "name": product.name,
        "active": product.active,
        "metadata": {"product_id": str(product.id), "slug": product.slug},
    }
    if product.short_description:
        create["description"] = product.short_description
    return _client().v1.products.create(params=create).id


def create_price(product: Product) -> str:
    """Create a Stripe Price for the product's current price; returns its id."""
    params: PriceCreateParams = {
        "product": product.stripe_product_id or "",
        "currency": product.currency.lower(),
        "unit_amount": product.price_cents,
        "tax_behavior": "inclusive",  # the store's prices are VAT included
        "metadata": {"product_id": str(product.id)},
    }
    if product.interval:
        params["recurring"] = {"interval": product.interval.stripe_interval}
    return _client().v1.prices.create(params=params).id


def archive_price(price_id: str) -> None:
    """Stop selling a price; existing subscriptions keep it."""
    _client().v1.prices.update(price_id, params={"active": False})


# --- webhooks --------------------------------------------------------------------------


class BadSignature(ValueError):
    """The webhook's signature is missing, wrong, or no secret is configured."""


class MalformedEvent(ValueError):
    """A signed event holds what no database can store (a lone surrogate, a NUL)."""


#: how far a signature's time may be from now, either way (Stripe's own default tolerance)
SIGNATURE_TOLERANCE_SECONDS = 300


def _signed_at(signature: str) -> int | None:
    """The time a Stripe-Signature header says it was made, read as Stripe's library reads it
    (the first item named exactly `t`), or None when that value is not plain digits. Stripe
    writes plain digits; the library would also take `+T`, ` T` or `000T` (int() does), and
    sign-check them the same, so only plain digits are compared with the clock."""
    for item in signature.split(","):
        name, _, value = item.partition("=")
        if name == "t":
            return int(value) if value.isascii() and value.isdigit() and len(value) <= 12 else None
    return None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python reads them, JSON has none


def _unstorable(event: Any) -> str | None:
    """What in the event cannot be stored, if anything: a lone surrogate (`\\ud800` is valid
    JSON, but not UTF-8: PostgreSQL refuses it) or a NUL (neither database keeps one). Walked
    without recursion: the parser already bounded the depth."""
    pending = [event]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                return "a NUL character"
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "a lone surrogate"
    return None


def verify_webhook(payload: bytes, signature: str | None) -> dict[str, Any]:
    """Check the Stripe-Signature on the raw body, then parse it; raises BadSignature, or
    MalformedEvent for a genuine event the store cannot keep."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret or not signature:
        raise BadSignature("no webhook secret configured" if not secret else "no signature")
    # Stripe signs UTF-8 text with an ASCII header; the library fails on anything else
    # (UnicodeDecodeError on the body, TypeError comparing non-ASCII signatures).
    if not signature.isascii():
        raise BadSignature("signature header is not ASCII")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadSignature("body is not UTF-8") from error
    # The library refuses signatures older than the tolerance, not ones from the future (a
    # signature made ahead of time would be replayable until then).
    signed_at = _signed_at(signature)
    if signed_at is None:
        raise BadSignature("signature time is not plain digits")
    if signed_at > time.time() + SIGNATURE_TOLERANCE_SECONDS:
        raise BadSignature("signature dated in the future")
    try:
        stripe.WebhookSignature.verify_header(
            text, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as error:
        raise BadSignature(str(error)) from error
    try:
        # ValueError covers malformed JSON and integers longer than Python converts (4,300
        # digits); RecursionError, nesting deeper than the parser goes.
        event = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise BadSignature("body is not JSON") from error
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise BadSignature("not an event")
    problem = _unstorable(event)
    if problem is not None:
        # repr: the id itself may hold the surrogate, which no log line could write
        raise MalformedEvent(f"event {event.get('id')!r:.80} holds {problem}")
    return event
