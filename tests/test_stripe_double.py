"""The Stripe test double, exercised through the real stripe library over HTTP."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import stripe

if TYPE_CHECKING:
    # Only for annotations: importing the module before pytest_plugins registers it would stop
    # pytest from rewriting its asserts (a warning, hence an error with filterwarnings=error).
    from tests.stripe_double import StripeDouble

pytest_plugins = ["tests.stripe_double"]

MONTH = 28 * 24 * 3600  # a month is at least this long...
LONG_MONTH = 31 * 24 * 3600  # ...and at most this


def make_client(double: StripeDouble, **kwargs: Any) -> stripe.StripeClient:
    """The client the application builds, pointed at the double."""
    kwargs.setdefault("max_network_retries", 0)
    return stripe.StripeClient("sk_test_123", base_addresses={"api": double.base_url}, **kwargs)


@pytest.fixture
def client(stripe_double: StripeDouble) -> stripe.StripeClient:
    return make_client(stripe_double)


def subscription_checkout(client: stripe.StripeClient, **extra: Any) -> stripe.checkout.Session:
    params: dict[str, Any] = {
        "mode": "subscription",
        "customer_email": "reader@example.com",
        "client_reference_id": "42",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 990,
                    "recurring": {"interval": "month"},
                    "product_data": {"name": "Abonnement mensuel", "metadata": {"sku": "m"}},
                },
            }
        ],
        "metadata": {"order_id": "7"},
        "subscription_data": {"metadata": {"user_id": "42"}},
        "success_url": "http://shop.test/merci?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.test/panier",
        "locale": "fr",
        **extra,
    }
    return client.v1.checkout.sessions.create(params=params)


class WebhookReceiver:
    """A local endpoint recording the webhooks POSTed to it."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/stripe"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def receiver(stripe_double: StripeDouble) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    stripe_double.webhook_url = receiver.url
    stripe_double.webhook_secret = "whsec_test"
    yield receiver
    receiver.close()


def http_request(double: StripeDouble, method: str, path: str) -> http.client.HTTPResponse:
    """A raw request (no redirect following), read in full."""
    connection = http.client.HTTPConnection(urlsplit(double.base_url).netloc, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        return response
    finally:
        connection.close()


# --- Requests, encoding and validation -----------------------------------------------------------


def test_records_customer_creation_with_headers(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create(params={"email": "a@b.c", "metadata": {"user_id": "1"}})

    assert customer.id.startswith("cus_test_")
    assert (customer.object, customer.email, customer.livemode) == ("customer", "a@b.c", False)
    assert customer.metadata["user_id"] == "1"
    request = stripe_double.last("POST", "/v1/customers")
    assert request.params == {"email": "a@b.c", "metadata": {"user_id": "1"}}
    assert request.header("Stripe-Version") == stripe.api_version == "2026-10-28.endive"
    assert request.header("Authorization") == "Bearer sk_test_123"
    assert request.header("Idempotency-Key")  # the library sends one on every POST
    assert client.v1.customers.retrieve(customer.id).email == "a@b.c"


def test_checkout_session_decodes_nested_params(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer_email": "reader@example.com",
            "line_items": [
                {
                    "quantity": 2,
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 500,
                        "recurring": {"interval": "year"},
                        "product_data": {"name": "Annuel"},
                    },
                }
            ],
            "metadata": {"order_id": "1"},
            "success_url": "http://shop.test/ok?s={CHECKOUT_SESSION_ID}",
        },
        options={"idempotency_key": "order-1-checkout"},
    )

    request = stripe_double.last("POST", "/v1/checkout/sessions")
    assert request.header("Idempotency-Key") == "order-1-checkout"
    line = request.params["line_items"][0]
    assert line["quantity"] == "2"  # recorded as sent on the wire
    assert line["price_data"]["recurring"] == {"interval": "year"}
    assert line["price_data"]["product_data"] == {"name": "Annuel"}
    assert request.params["metadata"] == {"order_id": "1"}
    assert session.id.startswith("cs_test_")
    assert session.url == f"{stripe_double.base_url}/pay/{session.id}"
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert (session.amount_total, session.currency, session.mode) == (1000, "eur", "subscription")
    assert session.success_url == "http://shop.test/ok?s={CHECKOUT_SESSION_ID}"


def test_same_idempotency_key_replays_without_creating(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    params = {"email": "a@b.c"}
    first = client.v1.customers.create(params=params, options={"idempotency_key": "user-1"})
    second = client.v1.customers.create(params=params, options={"idempotency_key": "user-1"})

    assert first.id == second.id
    assert len(stripe_double.list_objects("customer")) == 1
    assert stripe_double.last("POST", "/v1/customers").status == 200
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(params={"email": "x@y.z"}, options={"idempotency_key": "user-1"})


@pytest.mark.parametrize(
    ("line_item", "param", "message"),
    [
        ({"price": "p", "quantity": 1, "foo": "x"}, "line_items[0][foo]", "unknown parameter"),
        (
            {
                "quantity": 1,
                "price_data": {"currency": "eur", "unit_amount": 1, "product_data": {"nom": "x"}},
            },
            "line_items[0][price_data][product_data][nom]",
            "unknown parameter",
        ),
        (
            {"quantity": 1, "price_data": {"unit_amount": 1, "product_data": {"name": "x"}}},
            "line_items[0][price_data][currency]",
            "Missing required param",
        ),
        ({"price": "p", "quantity": "beaucoup"}, "line_items[0][quantity]", "Invalid integer"),
    ],
)
def test_invalid_params_are_rejected_like_stripe(
    client: stripe.StripeClient, line_item: dict[str, Any], param: str, message: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params={"mode": "payment", "line_items": [line_item]})

    assert raised.value.http_status == 400
    assert raised.value.param == param
    assert message in raised.value.user_message
    assert raised.value.json_body["error"]["type"] == "invalid_request_error"


def test_unknown_top_level_param_and_enum_value(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="Received unknown parameter: emial"):
        client.v1.customers.create(params={"emial": "a@b.c"})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        subscription_checkout(client, mode="subscriptions")
    assert raised.value.param == "mode"
    assert "must be one of payment, setup, or subscription" in raised.value.user_message


def test_unknown_ids_and_bad_keys(stripe_double: StripeDouble, client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.subscriptions.retrieve("sub_missing")
    assert (raised.value.http_status, raised.value.code) == (404, "resource_missing")
    assert "No such subscription: 'sub_missing'" in raised.value.user_message

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.billing_portal.sessions.create(params={"customer": "cus_nope"})
    assert (raised.value.http_status, raised.value.param) == (400, "customer")

    live = stripe.StripeClient(
        "sk_live_123", base_addresses={"api": stripe_double.base_url}, max_network_retries=0
    )
    with pytest.raises(stripe.AuthenticationError):
        live.v1.customers.create(params={"email": "a@b.c"})
    assert stripe_double.requests[-1].status == 401


def test_catalogue_products_and_prices(client: stripe.StripeClient) -> None:
    product = client.v1.products.create(params={"name": "Mensuel", "metadata": {"slug": "m"}})
    price = client.v1.prices.create(
        params={
            "product": product.id,
            "currency": "eur",
            "unit_amount": 990,
            "recurring": {"interval": "month"},
        }
    )
    renamed = client.v1.products.update(
        product.id, params={"name": "Mensuel+", "default_price": price.id}
    )
    archived = client.v1.prices.update(price.id, params={"active": False})

    assert product.id.startswith("prod_test_") and price.id.startswith("price_test_")
    assert (price.unit_amount, price.currency, price.product, price.type) == (
        990,
        "eur",
        product.id,
        "recurring",
    )
    assert price.recurring is not None and price.recurring.interval == "month"
    assert (renamed.name, renamed.default_price) == ("Mensuel+", price.id)
    assert archived.active is False
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: unit_amount"):
        client.v1.prices.update(price.id, params={"unit_amount": 5})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(stripe.InvalidRequestError, match="inactive"):
        client.v1.checkout.sessions.create(
            params={"mode": "subscription", "line_items": [{"price": price.id, "quantity": 1}]}
        )


# --- Scenarios and events ------------------------------------------------------------------------


def test_complete_subscription_checkout(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    session = subscription_checkout(client)

    events = stripe_double.complete_checkout(session.id)

    assert [e["type"] for e in events] == [
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
    ]
    assert stripe_double.events == events
    assert all(e["api_version"] == stripe.api_version and e["object"] == "event" for e in events)
    assert events[0]["data"]["object"]["status"] == "complete"
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["subscription"]})
    assert stripe_double.last("GET", f"/v1/checkout/sessions/{session.id}").params == {
        "expand": ["subscription"]
    }
    assert (done.status, done.payment_status, done.client_reference_id) == (
        "complete",
        "paid",
        "42",
    )
    assert done.customer.startswith("cus_test_")
    assert client.v1.customers.retrieve(done.customer).email == "reader@example.com"

    subscription = done.subscription
    assert isinstance(subscription, stripe.Subscription)
    assert (subscription.status, subscription.customer) == ("active", done.customer)
    assert subscription.metadata["user_id"] == "42"  # from subscription_data
    item = subscription["items"].data[0]
    assert item.price.unit_amount == 990 and item.quantity == 1
    assert MONTH <= item.current_period_end - item.current_period_start <= LONG_MONTH

    invoice = client.v1.invoices.retrieve(subscription.latest_invoice)
    assert invoice.id.startswith("in_test_")
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == ("paid", 990, 990)
    assert invoice.parent.subscription_details.subscription == subscription.id
    line = invoice.lines.data[0]
    assert (line.period.start, line.period.end) == (
        item.current_period_start,
        item.current_period_end,
    )
    with pytest.raises(ValueError, match="is complete"):
        stripe_double.complete_checkout(session.id)


def test_expand_line_items_and_yearly_period(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    price = client.v1.prices.create(
        params={
            "currency": "eur",
            "unit_amount": 9900,
            "recurring": {"interval": "year"},
            "product_data": {"name": "Annuel"},
        }
    )
    customer = client.v1.customers.create(params={"email": "a@b.c"})
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": price.id, "quantity": 1}],
        }
    )
    stripe_double.complete_checkout(session.id)

    done = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["line_items", "subscription.latest_invoice"]}
    )
    assert done.line_items is not None and done.line_items.data[0].price.id == price.id
    assert done.customer == customer.id  # an existing customer is kept
    item = done.subscription["items"].data[0]
    assert 365 * 86400 <= item.current_period_end - item.current_period_start <= 366 * 86400
    assert done.subscription.latest_invoice.status == "paid"


def test_renewal_failure_and_cancellation(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    session = subscription_checkout(client)
    stripe_double.complete_checkout(session.id)
    sub_id = stripe_double.get(session.id)["subscription"]
    first_end = stripe_double.get(sub_id)["items"]["data"][0]["current_period_end"]

    renewed = stripe_double.renew(sub_id)
    assert [e["type"] for e in renewed] == ["invoice.paid", "customer.subscription.updated"]
    item = renewed[1]["data"]["object"]["items"]["data"][0]
    assert item["current_period_start"] == first_end
    assert renewed[1]["data"]["previous_attributes"]["items"]["data"][0]["current_period_end"] == (
        first_end
    )
    assert renewed[0]["data"]["object"]["billing_reason"] == "subscription_cycle"

    failed = stripe_double.fail_payment(sub_id)
    assert [e["type"] for e in failed] == [
        "invoice.payment_failed",
        "customer.subscription.updated",
    ]
    assert failed[0]["data"]["object"]["status"] == "open"
    assert failed[0]["data"]["object"]["attempt_count"] == 1
    assert failed[1]["data"]["object"]["status"] == "past_due"
    assert failed[1]["data"]["previous_attributes"]["status"] == "active"
    recovered = stripe_double.recover_payment(sub_id)
    assert recovered[1]["data"]["object"]["status"] == "active"

    canceled = stripe_double.cancel_at_period_end(sub_id)
    assert [e["type"] for e in canceled] == ["customer.subscription.updated"]
    assert canceled[0]["data"]["previous_attributes"]["cancel_at_period_end"] is False
    assert stripe_double.resume(sub_id)[0]["data"]["object"]["cancel_at_period_end"] is False

    deleted = stripe_double.delete_subscription(sub_id)
    assert [e["type"] for e in deleted] == ["customer.subscription.deleted"]
    assert client.v1.subscriptions.retrieve(sub_id).status == "canceled"


def test_api_update_cancels_at_period_end(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    session = subscription_checkout(client)
    stripe_double.complete_checkout(session.id)
    sub_id = stripe_double.get(session.id)["subscription"]

    updated = client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})

    assert stripe_double.last("POST", f"/v1/subscriptions/{sub_id}").params == {
        "cancel_at_period_end": "true"
    }
    assert updated.cancel_at_period_end is True
    assert updated.cancel_at == updated["items"].data[0].current_period_end
    assert client.v1.subscriptions.retrieve(sub_id).cancel_at_period_end is True
    event = stripe_double.events[-1]
    assert event["type"] == "customer.subscription.updated"
    assert event["data"]["previous_attributes"]["cancel_at_period_end"] is False
    # A subscription set to cancel ends at the end of its period instead of renewing.
    assert [e["type"] for e in stripe_double.renew(sub_id)] == ["customer.subscription.deleted"]


def test_api_cancel_ends_the_subscription_now(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    session = subscription_checkout(client)
    stripe_double.complete_checkout(session.id)
    sub_id = stripe_double.get(session.id)["subscription"]

    canceled = client.v1.subscriptions.cancel(
        sub_id, params={"cancellation_details": {"comment": "Compte supprimé"}}
    )

    request = stripe_double.last("DELETE", f"/v1/subscriptions/{sub_id}")
    assert request.params == {"cancellation_details": {"comment": "Compte supprimé"}}
    assert canceled.status == "canceled"
    assert canceled.cancellation_details.comment == "Compte supprimé"
    assert client.v1.subscriptions.retrieve(sub_id).status == "canceled"
    assert stripe_double.events[-1]["type"] == "customer.subscription.deleted"
    # As on Stripe: a subscription cancels once, and unknown parameters are refused.
    with pytest.raises(stripe.InvalidRequestError, match="already canceled"):
        client.v1.subscriptions.cancel(sub_id)
    with pytest.raises(stripe.InvalidRequestError, match="refund"):
        client.v1.subscriptions.cancel(sub_id, params={"refund": True})  # type: ignore[typeddict-unknown-key]


def test_payment_mode_with_async_payment(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "customer_creation": "always",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 1500,
                        "product_data": {"name": "Livre"},
                    },
                }
            ],
        }
    )

    events = stripe_double.complete_checkout(session.id, async_payment=True)
    assert [e["type"] for e in events] == ["checkout.session.completed"]
    assert events[0]["data"]["object"]["payment_status"] == "unpaid"
    settled = stripe_double.async_payment_result(session.id, succeeded=True)
    assert [e["type"] for e in settled] == ["checkout.session.async_payment_succeeded"]
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.payment_status, done.subscription) == ("paid", None)
    assert done.customer.startswith("cus_test_")


def test_webhook_signature_is_accepted_by_the_library(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    session = subscription_checkout(client)
    event = stripe_double.complete_checkout(session.id)[0]
    payload = stripe_double.event_payload(event)
    header = stripe_double.sign(payload, "whsec_test")

    parsed = stripe.Webhook.construct_event(payload, header, "whsec_test")
    assert (parsed.id, parsed.type) == (event["id"], "checkout.session.completed")
    assert parsed.data.object.id == session.id
    assert client.construct_event(payload, header, "whsec_test").id == event["id"]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_other")
    old = stripe_double.sign(payload, "whsec_test", timestamp=int(time.time()) - 3600)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, old, "whsec_test")


def test_deliver_posts_signed_events(
    stripe_double: StripeDouble, client: stripe.StripeClient, receiver: WebhookReceiver
) -> None:
    events = stripe_double.complete_checkout(subscription_checkout(client).id)

    assert stripe_double.deliver(events) == [200, 200, 200]
    headers, body = receiver.received[0]
    assert json.loads(body)["type"] == "checkout.session.completed"
    stripe.Webhook.construct_event(body, headers["Stripe-Signature"], "whsec_test")
    assert stripe_double.deliveries == [(e["id"], 200) for e in events]


# --- Hosted pages --------------------------------------------------------------------------------


def test_hosted_checkout_page_pays_and_redirects(
    stripe_double: StripeDouble, client: stripe.StripeClient, receiver: WebhookReceiver
) -> None:
    session = subscription_checkout(client)

    page = http_request(stripe_double, "GET", f"/pay/{session.id}")
    assert page.status == 200
    text = page.body.decode()  # type: ignore[attr-defined]
    assert "<title>Stripe test checkout</title>" in text
    assert "9,90 €" in text and ">Payer</button>" in text

    paid = http_request(stripe_double, "POST", f"/pay/{session.id}")
    assert paid.status == 303
    assert paid.headers["Location"] == f"http://shop.test/merci?session_id={session.id}"
    assert [json.loads(body)["type"] for _, body in receiver.received] == [
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
    ]
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"


def test_billing_portal_session_and_page(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create(params={"email": "a@b.c"})
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer.id, "return_url": "http://shop.test/compte", "locale": "fr"}
    )

    assert portal.id.startswith("bps_test_")
    assert portal.url == f"{stripe_double.base_url}/portal/{portal.id}"
    assert (portal.return_url, portal.locale, portal.customer) == (
        "http://shop.test/compte",
        "fr",
        customer.id,
    )
    page = http_request(stripe_double, "GET", f"/portal/{portal.id}")
    assert 'href="http://shop.test/compte"' in page.body.decode()  # type: ignore[attr-defined]


# --- Fault injection -----------------------------------------------------------------------------


def test_injected_errors_map_to_library_exceptions(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    stripe_double.fail_next("POST", "/v1/checkout/sessions", status=500, times=2)
    stripe_double.fail_next("POST", "/v1/customers", status=402)

    for _ in range(2):
        with pytest.raises(stripe.APIError):
            subscription_checkout(client)
    with pytest.raises(stripe.CardError) as raised:
        client.v1.customers.create(params={"email": "a@b.c"})

    assert raised.value.code == "card_declined"
    assert raised.value.json_body["error"]["type"] == "card_error"
    assert subscription_checkout(client).status == "open"  # the faults are used up
    assert len(stripe_double.list_objects("checkout.session")) == 1


def test_an_answer_can_come_back_without_a_field(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    stripe_double.fail_next("POST", "/v1/checkout/sessions", without="url")

    altered = subscription_checkout(client)
    assert altered.status == "open" and "url" not in altered
    assert stripe_double.get(altered.id)["url"]  # the session itself is whole

    assert subscription_checkout(client).url  # the fault is used up
    assert len(stripe_double.list_objects("checkout.session")) == 2


def test_library_retry_reuses_the_idempotency_key(stripe_double: StripeDouble) -> None:
    stripe_double.fail_next("POST", "/v1/customers", status=500)
    client = make_client(stripe_double, max_network_retries=1)

    customer = client.v1.customers.create(params={"email": "a@b.c"})

    failed, retried = stripe_double.requests[-2:]
    assert (failed.status, retried.status) == (500, 200)
    assert failed.header("Idempotency-Key") == retried.header("Idempotency-Key")
    assert [c["id"] for c in stripe_double.list_objects("customer")] == [customer.id]


def test_timeout_raises_api_connection_error(stripe_double: StripeDouble) -> None:
    client = make_client(stripe_double, http_client=stripe.RequestsClient(timeout=1))
    stripe_double.fail_next("POST", "/v1/customers", timeout=True)
    key = {"idempotency_key": "user-1-customer"}

    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        client.v1.customers.create(params={"email": "a@b.c"}, options=key)
    assert time.monotonic() - started < stripe_double.timeout_delay

    # The request was carried out, only its answer was lost: a retry with the key gets it.
    customer = client.v1.customers.create(params={"email": "a@b.c"}, options=key)
    assert [c["id"] for c in stripe_double.list_objects("customer")] == [customer.id]
    assert stripe_double.requests[-1].header("Idempotency-Key") == "user-1-customer"

    started = time.monotonic()
    stripe_double.close()  # wakes the handler still holding the lost answer
    assert time.monotonic() - started < 1


def test_promotion_code_discounts_a_subscription_checkout(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    code = stripe_double.create_promotion_code("BIENVENUE", amount_off=200)
    session = subscription_checkout(client, allow_promotion_codes=True)

    events = stripe_double.complete_checkout(session.id, promotion_code="bienvenue")

    completed = events[0]["data"]["object"]
    assert (completed["amount_subtotal"], completed["amount_total"]) == (990, 790)
    assert completed["total_details"]["amount_discount"] == 200
    assert completed["discounts"] == [
        {"coupon": code["promotion"]["coupon"], "promotion_code": code["id"]}
    ]
    done = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["discounts.promotion_code", "line_items"]}
    )
    assert done.discounts[0].promotion_code.code == "BIENVENUE"
    assert done.line_items.data[0].amount_discount == 200
    subscription = client.v1.subscriptions.retrieve(done.subscription)
    assert len(subscription.discounts) == 1 and subscription.discounts[0].startswith("di_test_")
    invoice = client.v1.invoices.retrieve(subscription.latest_invoice)
    assert (invoice.subtotal, invoice.total, invoice.amount_paid) == (990, 790, 790)
    assert invoice.total_discount_amounts[0].amount == 200
    coupon = client.v1.coupons.retrieve(code["promotion"]["coupon"])
    assert (coupon.amount_off, coupon.times_redeemed) == (200, 1)
    assert client.v1.promotion_codes.retrieve(code["id"]).times_redeemed == 1
    # The renewal is at full price: the coupon applied once.
    renewal = stripe_double.renew(subscription.id)[0]["data"]["object"]
    assert renewal["amount_paid"] == 990


def test_promotion_code_needs_a_session_that_allows_it(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    stripe_double.create_promotion_code("MOITIE", percent_off=50)
    closed = subscription_checkout(client)
    with pytest.raises(ValueError, match="does not take promotion codes"):
        stripe_double.complete_checkout(closed.id, promotion_code="MOITIE")
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "allow_promotion_codes": True,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 1900,
                        "product_data": {"name": "Guide"},
                    },
                }
            ],
        }
    )
    with pytest.raises(ValueError, match="no active promotion code"):
        stripe_double.complete_checkout(session.id, promotion_code="INCONNU")
    [completed] = stripe_double.complete_checkout(session.id, promotion_code="MOITIE")
    assert completed["data"]["object"]["amount_total"] == 950
    assert completed["data"]["object"]["payment_status"] == "paid"


def test_trial_subscription_then_first_payment(
    stripe_double: StripeDouble, client: stripe.StripeClient
) -> None:
    session = subscription_checkout(
        client, subscription_data={"trial_period_days": 7, "metadata": {"user_id": "42"}}
    )
    sent = stripe_double.last("POST", "/v1/checkout/sessions").params
    assert sent["subscription_data"]["trial_period_days"] == "7"

    events = stripe_double.complete_checkout(session.id)

    assert [e["type"] for e in events] == [
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
    ]
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.payment_status, done.amount_total) == ("no_payment_required", 0)
    subscription = client.v1.subscriptions.retrieve(done.subscription)
    assert subscription.status == "trialing"
    assert subscription.trial_end - subscription.trial_start == 7 * 86400
    item = subscription["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (
        subscription.trial_start,
        subscription.trial_end,
    )
    invoice = client.v1.invoices.retrieve(subscription.latest_invoice)
    assert (invoice.billing_reason, invoice.status, invoice.total) == (
        "subscription_create",
        "paid",
        0,
    )

    events = stripe_double.end_trial(subscription.id)

    assert [e["type"] for e in events] == ["invoice.paid", "customer.subscription.updated"]
    assert events[0]["data"]["object"]["amount_paid"] == 990
    after = client.v1.subscriptions.retrieve(subscription.id)
    assert after.status == "active"
    assert after["items"].data[0].current_period_start == subscription.trial_end
    with pytest.raises(ValueError, match="not trialing"):
        stripe_double.end_trial(subscription.id)
