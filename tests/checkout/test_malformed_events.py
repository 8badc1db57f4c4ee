"""Signed webhook events the store cannot use, and signed events that say more than Stripe's API.

A signed event whose object lacks an id or holds values of the wrong type is answered 400 and
logged, never 500: nothing stored changes, and the event id is not recorded, so that Stripe's
retry of a corrected event is applied. What an event embeds about a subscription or a refund
is never believed: the store reads the subscription and the charge back from Stripe's API.
"""

import copy
import logging
import time

import pytest
import sqlalchemy as sa
import stripe

from store.catalog.models import Billing
from store.orders.models import Order, OrderStatus
from store.payments import gateway
from store.payments.models import Payment, WebhookEvent
from store.payments.webhooks import EVENT_HANDLERS
from store.subscriptions.models import Subscription, SubscriptionStatus
from tests.checkout.test_checkout import checkout, count, session_id_of


@pytest.fixture
def offer(create_product):
    return create_product(name="Accès à GPT 4", price_cents=700, billing=Billing.MONTHLY)


def stored(db) -> dict[str, list[str]]:
    """Every row of every table."""
    db.session.rollback()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
        for table in db.metadata.sorted_tables
    }


def next_event(event_type, *, payments, forms, send_events, offer, guide) -> dict:
    """The event of `event_type` Stripe sends next, once the events before it are stored."""
    if event_type == "checkout.session.completed":
        return payments.complete_checkout(session_id_of(checkout(forms, guide)))[0]
    if event_type.startswith("checkout.session.async_payment_"):
        session_id = session_id_of(checkout(forms, guide))
        send_events(payments.complete_checkout(session_id, async_payment=True))
        succeeded = event_type.endswith("succeeded")
        return payments.async_payment_result(session_id, succeeded=succeeded)[0]
    if event_type == "charge.refunded":
        session_id = session_id_of(checkout(forms, guide))
        send_events(payments.complete_checkout(session_id))
        return payments.refund(session_id)[0]
    completed = payments.complete_checkout(session_id_of(checkout(forms, offer)))
    subscription_id = completed[1]["data"]["object"]["id"]
    if event_type == "customer.subscription.created":
        send_events(completed[:1])
        return completed[1]
    send_events(completed)
    story = {
        "customer.subscription.updated": payments.cancel_at_period_end,
        "customer.subscription.deleted": payments.delete_subscription,
        "invoice.paid": payments.renew,
        "invoice.payment_failed": payments.fail_payment,
    }[event_type](subscription_id)
    return next(event for event in story if event["type"] == event_type)


def malformed(obj: dict, changes: dict) -> dict:
    """`obj` with fields replaced (a dotted name reaches into nested hashes and lists)."""
    obj = copy.deepcopy(obj)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = obj
        for name in parents:
            node = node[int(name)] if isinstance(node, list) else node[name]
        if value is DROP:
            del node[last]
        else:
            node[last] = value
    return obj


DROP = object()

#: what breaks any event the store handles: the object or its id
ANY_OBJECT = {
    "empty object": lambda obj: {},
    "no id": lambda obj: malformed(obj, {"id": DROP}),
    "id an int": lambda obj: malformed(obj, {"id": 42}),
    "id a list": lambda obj: malformed(obj, {"id": [obj["id"]]}),
    "id an object": lambda obj: malformed(obj, {"id": {"id": obj["id"]}}),
    "id too long": lambda obj: malformed(obj, {"id": "x" * 300}),
    # valid JSON ("\ud800"), but no database stores it (PostgreSQL refuses it)
    "id with a lone surrogate": lambda obj: malformed(obj, {"id": obj["id"] + "\ud800"}),
    "a key with a lone surrogate": lambda obj: {**obj, "\udfff": 1},
    "id with a NUL": lambda obj: malformed(obj, {"id": obj["id"] + "\x00"}),
    "object a list": lambda obj: [obj],
    "object a string": lambda obj: obj["id"],
    "object null": lambda obj: None,
}
#: what breaks the fields the store reads from the event itself (the rest it reads from the API)
SESSION_FIELDS = {
    "customer an int": {"customer": 42},
    "payment_intent a list": {"payment_intent": ["pi_1"]},
    "amount_total a string": {"amount_total": "1900"},
    "amount_total negative": {"amount_total": -5},
    "amount_total beyond an INTEGER": {"amount_total": 2**40},
    "amount_total a boolean": {"amount_total": True},
    "currency a number": {"currency": 978},
    "currency a word": {"currency": "euros"},
    "subscription a list": {"subscription": ["sub_1"]},
    "subscription an object without id": {"subscription": {"status": "active"}},
}
FAILED_SESSION_FIELDS = {
    "metadata a string": {"metadata": "GA-1"},
    "order number an int": {"metadata.order_number": 5},
    "client reference a list": {"metadata": {}, "client_reference_id": ["GA-1"]},
}
INVOICE_FIELDS = {
    "lines a string": {"lines": "lines"},
    "lines.data a string": {"lines.data": "x"},
    "lines.data of strings": {"lines.data": ["x"]},
    "period start a string": {"lines.data.0.period.start": "yesterday"},
    "period end beyond year 9999": {"lines.data.0.period.end": 10**12},
    "period a list": {"lines.data.0.period": [1, 2]},
    "amount_paid a string": {"amount_paid": "700", "amount_due": "700"},
    "amount_due negative": {"amount_paid": None, "amount_due": -1},
    "currency a number": {"currency": 978},
    "parent a string": {"parent": "sub"},
    "subscription_details a list": {"parent.subscription_details": ["sub"]},
    "subscription a number": {"parent.subscription_details.subscription": 5},
    "number a list": {"number": ["TEST-0001"]},
}
FIELDS = {
    "checkout.session.completed": SESSION_FIELDS,
    "checkout.session.async_payment_succeeded": SESSION_FIELDS,
    "checkout.session.async_payment_failed": FAILED_SESSION_FIELDS,
    "invoice.paid": INVOICE_FIELDS,
    "invoice.payment_failed": INVOICE_FIELDS,
}


def breakages(event_type: str) -> dict:
    """Name → how to break the object of an event of `event_type`."""
    found = dict(ANY_OBJECT)
    for name, changes in FIELDS.get(event_type, {}).items():
        found[name] = lambda obj, changes=changes: malformed(obj, changes)
    return found


@pytest.fixture
def app_config():
    """A crash is answered with the 500 page, so that every case is tried and reported."""
    return {"PROPAGATE_EXCEPTIONS": False}


def test_every_event_type_the_store_handles_is_covered():
    assert set(EVENT_HANDLERS) == {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
        "charge.refunded",
    }


@pytest.mark.parametrize("event_type", list(EVENT_HANDLERS))
def test_malformed_events_are_refused_and_a_corrected_retry_is_applied(
    db, payments, forms, customer, offer, guide, send_events, caplog, event_type
):
    stories = {"payments": payments, "forms": forms, "send_events": send_events}
    event = next_event(event_type, offer=offer, guide=guide, **stories)
    before = stored(db)
    wrong = []
    for name, change in breakages(event_type).items():
        broken = {**event, "data": {**event["data"], "object": change(event["data"]["object"])}}
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="store.payments"):
            [response] = send_events([broken])
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        if response.status_code != 400:
            wrong.append((name, response.status_code))
        elif stored(db) != before:
            wrong.append((name, "changed what is stored"))
        elif not any(event["id"] in message for message in warnings):
            wrong.append((name, "not logged"))
    assert wrong == []

    # Stripe retries the event (same id), corrected: it is applied, not taken for a replay.
    [retry] = send_events([event])
    assert retry.get_json() == {"received": True, "duplicate": False}
    assert stored(db) != before


@pytest.mark.parametrize(
    "event_type",
    [
        pytest.param(["invoice.paid"], id="a list"),
        pytest.param(7, id="a number"),
        pytest.param("invoice." + "x" * 200, id="too long"),
        pytest.param("", id="empty"),
    ],
)
def test_an_event_whose_type_is_not_a_name_is_refused(db, payments, send_events, event_type):
    event = {"id": "evt_test_odd_type", "type": event_type, "data": {"object": {"id": "in_1"}}}
    [response] = send_events([event])
    assert response.status_code == 400
    assert count(db, WebhookEvent) == 0


def test_an_event_the_store_does_not_handle_is_recorded_whatever_its_object(
    db, payments, send_events
):
    events = [
        {"id": "evt_test_a", "type": "customer.created", "data": {"object": [1, 2]}},
        {"id": "evt_test_b", "type": "customer.updated", "data": {"object": {"id": 5}}},
    ]
    assert [r.get_json() for r in send_events(events)] == [
        {"received": True, "duplicate": False}
    ] * 2
    assert sorted(db.session.scalars(sa.select(WebhookEvent.object_id))) == ["", ""]


def test_an_event_about_an_object_stripe_does_not_have_is_refused(
    db, payments, forms, customer, offer, send_events
):
    send_events(payments.complete_checkout(session_id_of(checkout(forms, offer))))
    before = stored(db)
    unknown = {"customer.subscription.updated": "sub_test_gone", "charge.refunded": "ch_test_gone"}
    for event_type, object_id in unknown.items():
        obj = {"id": object_id}
        [response] = send_events(
            [{"id": f"evt_{object_id}", "type": event_type, "data": {"object": obj}}]
        )
        assert (response.status_code, response.get_json()) == (400, {"error": "unknown object"})
    assert stored(db) == before


#: a subscription as the API might return it one day, in a shape the store does not know
API_SUBSCRIPTION_CHANGES = {
    "an unknown status": {"status": "frozen"},
    "no status": {"status": DROP},
    "items a list": {"items": []},
    "items.data a string": {"items.data": "x"},
    "period end a string": {"items.data.0.current_period_end": "2030-01-01"},
    "canceled_at a float": {"canceled_at": 1.5},
    "metadata a string": {"metadata": "x"},
    "customer a number": {"customer": 5},
}


def test_a_subscription_the_api_returns_malformed_is_refused(
    db, payments, forms, customer, offer, send_events, monkeypatch
):
    completed = payments.complete_checkout(session_id_of(checkout(forms, offer)))
    send_events(completed)
    events = payments.fail_payment(completed[1]["data"]["object"]["id"])
    before = stored(db)
    real = gateway.retrieve_subscription
    wrong = []
    for name, changes in API_SUBSCRIPTION_CHANGES.items():
        monkeypatch.setattr(
            gateway,
            "retrieve_subscription",
            lambda id_, changes=changes: malformed(real(id_), changes),
        )
        statuses = [r.status_code for r in send_events(events)]
        if statuses != [400, 400] or stored(db) != before:
            wrong.append((name, statuses))
    assert wrong == []

    monkeypatch.setattr(gateway, "retrieve_subscription", real)
    assert [r.status_code for r in send_events(events)] == [200, 200]
    assert db.session.scalar(sa.select(Subscription.status)) is SubscriptionStatus.PAST_DUE


# --- what an event embeds is not believed -------------------------------------------------


def test_a_subscription_embedded_in_a_completed_session_is_read_back_from_the_api(
    db, payments, forms, customer, offer, send_events
):
    session_id = session_id_of(checkout(forms, offer))
    completed = payments.complete_checkout(session_id)[0]
    subscription_id = completed["data"]["object"]["subscription"]
    payments.delete_subscription(subscription_id)  # Stripe: canceled
    forged = copy.deepcopy(completed)
    embedded = {**payments.get(subscription_id), "status": "active", "canceled_at": None}
    forged["data"]["object"]["subscription"] = embedded

    assert [r.status_code for r in send_events([forged])] == [200]
    subscription = db.session.scalar(sa.select(Subscription))
    assert subscription.stripe_subscription_id == subscription_id
    assert subscription.status is SubscriptionStatus.CANCELED
    assert payments.last("GET", f"/v1/subscriptions/{subscription_id}").status == 200


def test_subscription_fields_in_an_event_are_not_believed(
    db, payments, forms, customer, offer, send_events
):
    completed = payments.complete_checkout(session_id_of(checkout(forms, offer)))
    send_events(completed)
    [updated] = payments.fail_payment(completed[1]["data"]["object"]["id"])[1:]
    forged = copy.deepcopy(updated)
    forged["data"]["object"].update(
        status="active", items="not a list", metadata="x", canceled_at="yesterday"
    )
    assert [r.status_code for r in send_events([forged])] == [200]
    assert db.session.scalar(sa.select(Subscription.status)) is SubscriptionStatus.PAST_DUE


def test_a_charge_said_refunded_in_full_is_refunded_only_if_the_api_says_so(
    db, payments, forms, customer, guide, send_events
):
    session_id = session_id_of(checkout(forms, guide))
    send_events(payments.complete_checkout(session_id))
    [event] = payments.refund(session_id, amount=500)  # Stripe: 5 € of 19 € refunded
    charge = event["data"]["object"]
    forged = copy.deepcopy(event)
    forged["data"]["object"].update(refunded=True, amount_refunded=charge["amount"])

    assert [r.status_code for r in send_events([forged])] == [200]
    assert db.session.scalar(sa.select(Order.status)) is OrderStatus.PAID
    assert payments.last("GET", f"/v1/charges/{charge['id']}").status == 200


def test_a_charge_refunded_in_full_on_stripe_refunds_the_order_whatever_the_event_says(
    db, payments, forms, customer, guide, send_events
):
    session_id = session_id_of(checkout(forms, guide))
    send_events(payments.complete_checkout(session_id))
    [event] = payments.refund(session_id)
    forged = copy.deepcopy(event)
    forged["data"]["object"].update(refunded=False, amount_refunded=0, payment_intent="pi_x")

    assert [r.status_code for r in send_events([forged])] == [200]
    assert db.session.scalar(sa.select(Order.status)) is OrderStatus.REFUNDED


def test_the_double_serves_charges_as_stripe_does(payments, forms, customer, guide, send_events):
    session_id = session_id_of(checkout(forms, guide))
    send_events(payments.complete_checkout(session_id))
    charge = payments.refund(session_id, amount=500)[0]["data"]["object"]

    fetched = gateway.retrieve_charge(charge["id"])
    assert (fetched["id"], fetched["refunded"], fetched["amount_refunded"]) == (
        charge["id"],
        False,
        500,
    )
    with pytest.raises(stripe.InvalidRequestError) as missing:
        gateway.retrieve_charge("ch_test_unknown")
    assert gateway.is_missing(missing.value)
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": payments.base_url})
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: amount"):
        client.v1.charges.retrieve(charge["id"], params={"amount": 1})  # type: ignore[typeddict-unknown-key]


# --- bodies and signatures the Stripe library cannot read ---------------------------------

HUGE = "9" * 5_000  # past the 4,300 digits Python turns into an int
#: where a raw value replaces the quoted placeholder "@" in a genuine event, as Stripe could sign it
RAW_VALUES = {
    "event id a huge integer": ("id", HUGE),
    "object id a huge integer": ("data.object.id", HUGE),
    "amount a huge integer": ("data.object.amount_total", HUGE),
    "amount a huge negative integer": ("data.object.amount_total", "-" + HUGE),
    "created a huge integer": ("created", HUGE),
    "amount NaN": ("data.object.amount_total", "NaN"),
    "amount Infinity": ("data.object.amount_total", "-Infinity"),
    "amount 1e999": ("data.object.amount_total", "1e999"),
    "event id with a lone surrogate": ("id", '"evt_test_\\ud800"'),
    "event type with a lone surrogate": ("type", '"checkout.session.\\udc00"'),
    "a metadata value with a lone surrogate": ("data.object.metadata.note", '"\\ud83d"'),
    "a metadata value with a NUL": ("data.object.metadata.note", '"a\\u0000b"'),
}


@pytest.mark.parametrize("where, raw", RAW_VALUES.values(), ids=RAW_VALUES.keys())
def test_a_signed_event_holding_what_json_or_a_database_cannot_keep_is_refused(
    db, client, payments, forms, customer, guide, send_events, where, raw
):
    """Genuine signatures on bodies Python's json reads badly (huge integers, NaN) or that hold
    text no database stores (lone surrogates, NUL): 400, nothing stored, never a 500."""
    [event] = payments.complete_checkout(session_id_of(checkout(forms, guide)))[:1]
    event = malformed(event, {where: "@"})
    before = stored(db)
    payload = payments.event_payload(event).replace(b'"@"', raw.encode())
    headers = {"Stripe-Signature": payments.sign(payload, payments.webhook_secret)}
    response = client.post("/stripe/webhook", data=payload, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] in ("invalid signature", "malformed event")
    assert stored(db) == before
    [retry] = send_events(payments.complete_checkout(session_id_of(checkout(forms, guide)))[:1])
    assert retry.status_code == 200  # the store still takes genuine events


@pytest.mark.parametrize("written", ["{t}", "+{t}", "000{t}", " {t}"], ids=str)
@pytest.mark.parametrize("ahead", [301, 3600, 10**9])
def test_a_signature_dated_in_the_future_is_refused(db, client, payments, ahead, written):
    """Stripe's library refuses signatures older than five minutes; one made ahead of time
    would stay replayable until its date, so it is refused too (the same five minutes)."""
    payload = payments.event_payload(
        {"id": "evt_test_future", "type": "customer.created", "data": {"object": {}}}
    )
    when = int(time.time()) + ahead
    # Stripe's library reads the time with int(): "+T", "000T" and " T" sign-check as T
    genuine = payments.sign(payload, payments.webhook_secret, when)
    header = genuine.replace(f"t={when},", "t=" + written.format(t=when) + ",")
    response = client.post("/stripe/webhook", data=payload, headers={"Stripe-Signature": header})
    assert (response.status_code, response.get_json()) == (400, {"error": "invalid signature"})
    assert count(db, WebhookEvent) == 0
    now = {
        "Stripe-Signature": payments.sign(payload, payments.webhook_secret, int(time.time()) + 5)
    }
    assert client.post("/stripe/webhook", data=payload, headers=now).status_code == 200


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        pytest.param(b"\xff\xfe{}", "t={now},v1=deadbeef", id="body-not-utf8"),
        pytest.param(b"\xff\xfe{}", "signed", id="signed-body-not-utf8"),
        pytest.param(b"{}", "t={now},v1=\xc3\xa9\xc3\xa9", id="signature-not-ascii"),
        pytest.param(b"[" * 50_000, "signed", id="signed-json-nested-too-deep"),
    ],
)
def test_a_body_or_signature_the_library_cannot_read_is_refused(
    db, client, payments, body, signature
):
    if signature == "signed":
        signature = payments.sign(body, payments.webhook_secret)
    headers = {"Stripe-Signature": signature.format(now=int(time.time()))}
    response = client.post("/stripe/webhook", data=body, headers=headers)
    assert (response.status_code, response.get_json()) == (400, {"error": "invalid signature"})
    assert count(db, WebhookEvent) == 0
    assert count(db, Payment) == 0
