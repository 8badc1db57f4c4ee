"""GET /api/v1/access: the GPT 4 gateway asks whether a customer's key opens access now.

Every answer the gateway gets in these tests is checked against docs/access-api.yaml (see
`Gateway` in conftest.py): its status is documented, its JSON body and headers match.
"""

import hashlib
from datetime import UTC, datetime, timedelta

import jsonschema
import openapi_spec_validator
import pytest
import sqlalchemy as sa

from store.access.models import AccessKey
from store.catalog.models import Billing
from store.database import utcnow
from store.extensions import db as _db
from store.orders.models import Order, OrderStatus
from store.settings.services import set_setting
from store.subscriptions.models import Subscription
from tests.conftest import CHECKOUT_CONSENT

from .conftest import MASKED_KEY, NEW_KEY, OPERATION, REGENERATE

# --- helpers -------------------------------------------------------------------------------


def buy(forms, payments, send_events, product) -> str:
    """The customer buys `product` and pays on Stripe's page; returns the Checkout Session id."""
    forms.post("/cart/add", {"product_id": product.id})
    response = forms.post("/checkout", CHECKOUT_CONSENT)
    assert response.status_code == 303, response.status_code
    session_id = response.headers["Location"].rsplit("/", 1)[-1]
    statuses = {r.status_code for r in send_events(payments.complete_checkout(session_id))}
    assert statuses == {200}, statuses
    return session_id


def account(forms):
    """The customer's account page, as their browser gets it."""
    response = forms.client.get("/account")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    return response.get_data(as_text=True)


def new_key_on(page: str) -> str:
    """The key shown whole on the page (exactly one)."""
    keys = NEW_KEY.findall(page)
    assert len(keys) == 1, keys
    return keys[0]


def subscription_row(db) -> Subscription:
    db.session.expire_all()
    return db.session.scalar(sa.select(Subscription))


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def subscriber(db, browser, payments, send_events, key_plan):
    """A customer who subscribed through Checkout and copied the key from their account
    page: (browser, Stripe subscription id, key)."""
    forms = browser("client@example.org")
    buy(forms, payments, send_events, key_plan)
    stripe_id = subscription_row(db).stripe_subscription_id
    return forms, stripe_id, new_key_on(account(forms))


# --- the spec ------------------------------------------------------------------------------


def test_the_spec_is_a_valid_openapi_document_for_the_routes_the_store_serves(app, spec):
    openapi_spec_validator.validate(spec.document)
    assert spec.document["openapi"].startswith("3.1")
    served = {
        (rule.rule, method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method) for path, item in spec.document["paths"].items() for method in item
    }
    assert served == documented == {OPERATION}
    scheme = spec.document["components"]["securitySchemes"]["accessKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    # The examples are answers the schemas accept.
    for status, response in spec.responses.items():
        content = response["content"]["application/json"]
        examples = [e["value"] for e in content.get("examples", {}).values()]
        examples += [content["example"]] if "example" in content else []
        assert examples, status
        for example in examples:
            spec.body_validator(status).validate(example)


def test_the_schemas_refuse_what_the_api_never_sends(spec):
    """The checks of the live answers below can fail: every field is required, no other
    field is allowed, and values are those the code gives."""
    good = spec.responses["200"]["content"]["application/json"]["examples"]["monthly"]["value"]
    validator = spec.body_validator(200)
    validator.validate(good)
    broken = []
    for field in good:
        broken.append({k: v for k, v in good.items() if k != field})  # a field missing
    broken.append({**good, "user_email": "client@example.org"})
    broken.append({**good, "product": {**good["product"], "id": 1}})
    broken.append({**good, "active": False})
    broken.append({**good, "plan": "monthly"})
    broken.append({**good, "status": "canceled"})
    broken.append({**good, "current_period_end": "2025-07-14T09:30:00+00:00"})
    broken.append({**good, "current_period_end": "2025-07-14"})
    broken.append({**good, "renews": "true"})
    for body in broken:
        assert not validator.is_valid(body), body
    refused = spec.body_validator(401)
    assert refused.is_valid({"active": False, "error": "inactive", "message": "…"})
    assert not refused.is_valid({"active": False, "error": "expired", "message": "…"})
    assert not refused.is_valid({"active": False, "error": "inactive"})
    assert not spec.body_validator(429).is_valid(
        {"active": False, "error": "invalid_key", "message": "…"}
    )
    # What every live answer goes through (Spec.check) also looks at status and headers.
    spec.check(Answer(200, good, {"Cache-Control": "no-store"}))
    with pytest.raises(jsonschema.ValidationError):
        spec.check(Answer(200, {**good, "key": "gpta_…"}, {"Cache-Control": "no-store"}))
    with pytest.raises(AssertionError, match="without WWW-Authenticate"):
        body = {"active": False, "error": "inactive", "message": "…"}
        spec.check(Answer(401, body, {"Cache-Control": "no-store"}))
    with pytest.raises(AssertionError, match="not in the spec"):
        spec.check(Answer(403, {"active": False}, {}))


class Answer:
    """A made-up answer, to show what `Spec.check` refuses."""

    mimetype = "application/json"

    def __init__(self, status_code: int, body: dict, headers: dict):
        self.status_code, self.body, self.headers = status_code, body, headers

    def get_json(self):
        return self.body

    def get_data(self, as_text=False):
        return str(self.body)


# --- a subscription ------------------------------------------------------------------------


def test_a_subscriber_gets_a_key_shown_once_that_opens_gpt_4(db, subscriber, payments, gateway):
    forms, stripe_id, key = subscriber
    assert key.startswith("gpta_") and len(key) > 40

    later = account(forms)
    assert key not in later and not NEW_KEY.search(later)
    assert MASKED_KEY.findall(later) == [f"{key[:11]}…"]

    response = gateway.check(key)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["active"] is True
    assert body["product"] == {"slug": "acces-gpt-4", "name": "Accès à GPT 4"}
    assert (body["plan"], body["status"], body["renews"]) == ("month", "active", True)
    assert body["grace_period_end"] is None
    period_end = payments.get(stripe_id)["items"]["data"][0]["current_period_end"]
    assert parse_time(body["current_period_end"]) == datetime.fromtimestamp(period_end, UTC)
    assert parse_time(body["current_period_end"]) > utcnow() + timedelta(days=27)


def test_the_key_stops_when_the_subscription_ends(subscriber, payments, send_events, gateway):
    forms, stripe_id, key = subscriber
    send_events(payments.delete_subscription(stripe_id))
    response = gateway.check(key)
    assert response.status_code == 401
    assert response.get_json()["error"] == "inactive"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="access", error="inactive"'
    assert "access-key" not in account(forms)  # the account page no longer offers the key


def test_a_failed_payment_keeps_access_for_the_grace_period_only(
    db, subscriber, payments, send_events, gateway
):
    forms, stripe_id, key = subscriber
    send_events(payments.fail_payment(stripe_id))
    since = subscription_row(db).past_due_since
    assert since is not None

    body = gateway.check(key).get_json()
    assert (body["active"], body["status"], body["renews"]) == (True, "past_due", False)
    assert parse_time(body["grace_period_end"]) == since + timedelta(days=7)

    db.session.execute(sa.update(Subscription).values(past_due_since=utcnow() - timedelta(days=8)))
    db.session.commit()
    response = gateway.check(key)
    assert response.status_code == 401
    assert response.get_json()["error"] == "inactive"

    set_setting("grace_period_days", "10")  # the admin lengthens the grace period
    db.session.commit()
    body = gateway.check(key).get_json()
    assert body["active"] is True
    assert parse_time(body["grace_period_end"]) > utcnow() + timedelta(days=1)

    send_events(payments.recover_payment(stripe_id))
    body = gateway.check(key).get_json()
    assert (body["status"], body["grace_period_end"], body["renews"]) == ("active", None, True)


def test_a_cancelled_subscription_keeps_access_until_the_period_end(
    db, subscriber, payments, send_events, gateway
):
    forms, stripe_id, key = subscriber
    send_events(payments.cancel_at_period_end(stripe_id))
    body = gateway.check(key).get_json()
    assert (body["active"], body["status"], body["renews"]) == (True, "active", False)
    assert parse_time(body["current_period_end"]) > utcnow()

    # The period ends before Stripe's deletion arrives: the key stops with the period.
    db.session.execute(
        sa.update(Subscription).values(current_period_end=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    response = gateway.check(key)
    assert response.status_code == 401
    assert response.get_json()["error"] == "inactive"


@pytest.mark.parametrize(
    "fields, answer",
    [
        ({"status": "active"}, (200, "active", True)),
        ({"status": "trialing"}, (200, "trialing", True)),
        ({"status": "active", "cancel_at_period_end": True}, (200, "active", False)),
        (
            {
                "status": "active",
                "cancel_at_period_end": True,
                "current_period_end": utcnow() - timedelta(hours=1),
            },
            (401, "inactive", None),
        ),
        (
            {"status": "past_due", "past_due_since": utcnow() - timedelta(days=6)},
            (200, "past_due", False),
        ),
        (
            {"status": "past_due", "past_due_since": utcnow() - timedelta(days=8)},
            (401, "inactive", None),
        ),
        ({"status": "canceled"}, (401, "inactive", None)),
        ({"status": "unpaid"}, (401, "inactive", None)),
        ({"status": "incomplete"}, (401, "inactive", None)),
        ({"status": "incomplete_expired"}, (401, "inactive", None)),
        ({"status": "paused"}, (401, "inactive", None)),
    ],
    ids=[
        "active",
        "trialing",
        "cancelling-still-paid",
        "cancelled-period-over",
        "past-due-in-grace",
        "past-due-after-grace",
        "canceled",
        "unpaid",
        "incomplete",
        "incomplete-expired",
        "paused",
    ],
)
def test_the_answer_follows_the_subscription(key_holder, gateway, fields, answer):
    *_, key = key_holder(**fields)
    response = gateway.check(key)
    body = response.get_json()
    if response.status_code == 200:
        assert (200, body["status"], body["renews"]) == answer
        assert (body["grace_period_end"] is not None) is (body["status"] == "past_due")
    else:
        assert (response.status_code, body["error"], None) == answer


def test_a_product_that_stops_granting_keys_closes_them(db, key_holder, key_plan, gateway):
    _, _, key = key_holder()
    assert gateway.check(key).status_code == 200
    key_plan.grants_access_key = False
    db.session.commit()
    response = gateway.check(key)
    assert response.status_code == 401
    assert response.get_json()["error"] == "inactive"


# --- replacing and revoking keys -----------------------------------------------------------


def test_a_new_key_replaces_the_old_one_at_once(db, subscriber, gateway):
    forms, _, old = subscriber
    (action,) = REGENERATE.findall(account(forms))

    response = forms.post(action)
    assert response.status_code == 200  # the page itself: the key travels in no URL
    assert response.headers["Cache-Control"] == "private, no-store"
    page = response.get_data(as_text=True)
    new = new_key_on(page)
    assert new != old and new.startswith("gpta_") and old not in page

    refused = gateway.check(old)
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "invalid_key"
    assert gateway.check(new).status_code == 200

    later = account(forms)
    assert new not in later and MASKED_KEY.findall(later) == [f"{new[:11]}…"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessKey)) == 2


def test_nobody_else_can_replace_a_customers_key(db, subscriber, browser, gateway):
    forms, _, key = subscriber
    (action,) = REGENERATE.findall(account(forms))
    intruder = browser("intrus@example.org")
    assert intruder.post(action).status_code == 404
    assert intruder.post("/account/keys/999999/regenerate").status_code == 404
    assert forms.client.post(action).status_code == 400  # no CSRF token: nothing changes
    assert forms.client.get(action).status_code == 405
    assert gateway.check(key).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessKey)) == 1


def test_keys_are_stored_only_as_a_hash(db, subscriber):
    forms, _, key = subscriber
    (action,) = REGENERATE.findall(account(forms))
    new = new_key_on(forms.post(action).get_data(as_text=True))
    db.session.expire_all()
    rows = db.session.scalars(sa.select(AccessKey).order_by(AccessKey.id)).all()
    assert [row.key_hash for row in rows] == [
        hashlib.sha256(k.encode()).hexdigest() for k in (key, new)
    ]
    with _db.engine.connect() as connection:
        for table in _db.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                text = " ".join(str(value) for value in row)
                assert key[11:] not in text and new[11:] not in text, table.name


def test_an_admin_revokes_a_key_and_the_customer_gets_a_new_one(db, subscriber, browser, gateway):
    forms, _, key = subscriber
    admin = browser("admin@example.org", admin=True)
    subscription = subscription_row(db)
    detail = f"/admin/subscriptions/{subscription.id}"
    page = admin.client.get(detail).get_data(as_text=True)
    assert f"<code>{key[:11]}…</code>" in page and "En vigueur" in page
    revoke = f"/admin/access-keys/{db.session.scalar(sa.select(AccessKey.id))}/revoke"
    assert f'action="{revoke}"' in page

    response = admin.post(revoke)
    assert response.status_code == 303
    assert response.headers["Location"] == detail
    assert "Révoquée le" in admin.client.get(detail).get_data(as_text=True)
    refused = gateway.check(key)
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "invalid_key"

    # The subscription is still paid up: the customer's account gives a new key, once.
    new = new_key_on(account(forms))
    assert new != key and gateway.check(new).status_code == 200


def test_a_key_of_an_ended_subscription_is_not_replaced(db, subscriber, payments, send_events):
    forms, stripe_id, _ = subscriber
    (action,) = REGENERATE.findall(account(forms))  # the page stays open in a tab
    send_events(payments.delete_subscription(stripe_id))
    response = forms.post(action)
    assert not NEW_KEY.search(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessKey)) == 1


def test_a_double_click_on_generate_keeps_the_first_new_key(db, subscriber, gateway):
    forms, _, old = subscriber
    (action,) = REGENERATE.findall(account(forms))
    first = NEW_KEY.search(forms.post(action).get_data(as_text=True)).group(1)
    again = forms.post(action)  # the same button, clicked twice
    assert again.status_code == 303 and again.headers["Location"].endswith("/account")
    assert gateway.check(first).status_code == 200  # the key shown first still works
    assert gateway.check(old).status_code == 401
    page = account(forms)
    assert "déjà été remplacée" in page and first not in page


def test_only_an_admin_may_revoke_a_key(db, subscriber, browser, gateway):
    _, _, key = subscriber
    revoke = f"/admin/access-keys/{db.session.scalar(sa.select(AccessKey.id))}/revoke"
    assert browser("curieux@example.org").post(revoke).status_code == 403
    assert gateway.check(key).status_code == 200


# --- what the gateway may send -------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization, error",
    [
        (None, "missing_key"),
        ("", "missing_key"),
        ("Bearer", "missing_key"),
        ("Bearer    ", "missing_key"),
        ("Basic Z3B0YTp4eHg=", "missing_key"),
        ("gpta_no-scheme-at-all", "missing_key"),
        ("Bearer garbage", "invalid_key"),
        ("Bearer gpta_" + "A" * 43, "invalid_key"),
        ("Bearer gpta_" + "A" * 10_000, "invalid_key"),
        ("Bearer gpta_clé-€", "invalid_key"),
        ("Bearer " + "gpta_clé".encode().decode("latin-1"), "invalid_key"),
        ("Bearer gpta_\x7f\x01", "invalid_key"),
        ("Bearer a b c", "invalid_key"),
    ],
    ids=[
        "no-header",
        "empty",
        "scheme-only",
        "blank-key",
        "basic",
        "no-scheme",
        "garbage",
        "well-formed-unknown",
        "10-kB",
        "non-ascii",
        "utf-8-bytes",
        "control-characters",
        "spaces",
    ],
)
def test_a_bad_authorization_header_gets_a_json_401(db, gateway, authorization, error):
    response = gateway.call(authorization)
    assert response.status_code == 401
    assert response.get_json()["error"] == error
    assert response.headers["WWW-Authenticate"] == f'Bearer realm="access", error="{error}"'


def test_a_wrong_method_gets_a_json_405_that_says_which_are_allowed(db, key_holder, gateway):
    _, _, key = key_holder()
    response = gateway.client.post("/api/v1/access", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 405
    assert "GET" in response.headers.get("Allow", "")
    assert response.mimetype == "application/json"
    assert response.get_json()["active"] is False


def test_when_the_database_fails_the_gateway_gets_json_it_can_retry(
    db, key_holder, gateway, monkeypatch
):
    from store.api import views

    _, _, key = key_holder()

    def database_down(key):
        raise sa.exc.OperationalError("SELECT …", {}, ConnectionRefusedError())

    monkeypatch.setattr(views, "check_key", database_down)
    response = gateway.check(key)
    assert response.status_code == 503
    assert response.get_json()["error"] == "service_unavailable"
    assert response.headers["Retry-After"] == "30"

    def bug(key):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "check_key", bug)
    response = gateway.check(key)
    assert response.status_code == 500
    assert response.get_json()["error"] == "internal_server_error"


def test_the_key_must_come_as_a_bearer_token(db, key_holder, gateway):
    _, _, key = key_holder()
    assert gateway.call(f"bearer {key}").status_code == 200  # schemes ignore case
    assert gateway.call(f"Bearer  {key} ").status_code == 200
    for sent in (key, f"Basic {key}", f"Token {key}"):
        response = gateway.call(sent)
        assert response.status_code == 401
        assert response.get_json()["error"] == "missing_key"
    assert gateway.client.get(f"/api/v1/access?key={key}").status_code == 401
    assert gateway.check(key + "x").get_json()["error"] == "invalid_key"
    assert gateway.check(key.upper()).get_json()["error"] == "invalid_key"


def test_a_check_costs_one_sql_statement(app, key_holder, gateway):
    app.config["PAGE_CACHE_SECONDS"] = 10  # as in production
    _, _, key = key_holder()
    _, _, past_due_key = key_holder(status="past_due", past_due_since=utcnow())
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    engine = _db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        counts = {}
        for name, sent in [
            ("ok", f"Bearer {key}"),
            ("past-due", f"Bearer {past_due_key}"),
            ("unknown", "Bearer gpta_unknown"),
            ("missing", None),
            ("too-long", "Bearer gpta_" + "A" * 10_000),
        ]:
            seen.clear()
            gateway.call(sent)
            counts[name] = len(seen)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert counts == {"ok": 1, "past-due": 1, "unknown": 1, "missing": 0, "too-long": 0}


# --- rate limits ---------------------------------------------------------------------------


def test_too_many_calls_with_one_key_get_a_json_429(app, key_holder, gateway):
    app.config["ACCESS_API_LIMIT_PER_KEY"] = "3 per minute"
    _, _, key = key_holder()
    _, _, other = key_holder()
    assert [gateway.check(key).status_code for _ in range(3)] == [200] * 3
    response = gateway.check(key)
    assert response.status_code == 429
    assert response.get_json()["error"] == "too_many_requests"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert gateway.check(other).status_code == 200  # another customer's key still passes


def test_too_many_calls_from_one_address_get_a_json_429(app, key_holder, gateway):
    app.config["ACCESS_API_LIMIT_PER_IP"] = "3 per minute"
    keys = [key_holder()[2] for _ in range(4)]
    assert [gateway.check(key).status_code for key in keys[:3]] == [200] * 3
    response = gateway.check(keys[3])
    assert response.status_code == 429
    assert response.get_json()["error"] == "too_many_requests"
    elsewhere = gateway.check(keys[3], environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert elsewhere.status_code == 200


# --- a one-time purchase -------------------------------------------------------------------


def test_a_one_time_purchase_opens_access_until_it_is_refunded(
    db, browser, payments, send_events, create_product, gateway
):
    product = create_product(
        slug="pass-gpt-4", name="Pass GPT 4", billing=Billing.ONE_TIME, grants_access_key=True
    )
    forms = browser("client@example.org")
    session_id = buy(forms, payments, send_events, product)
    key = new_key_on(account(forms))
    assert key not in account(forms)

    body = gateway.check(key).get_json()
    assert body == {
        "active": True,
        "product": {"slug": "pass-gpt-4", "name": "Pass GPT 4"},
        "plan": "one_time",
        "status": "paid",
        "current_period_end": None,
        "grace_period_end": None,
        "renews": False,
    }

    send_events(payments.refund(session_id, amount=100))  # a partial refund keeps access
    assert gateway.check(key).status_code == 200

    send_events(payments.refund(session_id))
    db.session.expire_all()
    assert db.session.scalar(sa.select(Order.status)) is OrderStatus.REFUNDED
    response = gateway.check(key)
    assert response.status_code == 401
    assert response.get_json()["error"] == "inactive"
    assert "access-key" not in account(forms)


def test_an_admin_revokes_a_one_time_purchase_key_from_its_order(
    db, browser, payments, send_events, create_product, gateway
):
    product = create_product(
        slug="pass-gpt-4", name="Pass GPT 4", billing=Billing.ONE_TIME, grants_access_key=True
    )
    forms = browser("client@example.org")
    buy(forms, payments, send_events, product)
    key = new_key_on(account(forms))
    order_id = db.session.scalar(sa.select(Order.id))
    key_id = db.session.scalar(sa.select(AccessKey.id))
    admin = browser("admin@example.org", admin=True)
    detail = f"/admin/orders/{order_id}"
    assert f'action="/admin/access-keys/{key_id}/revoke"' in admin.client.get(detail).get_data(
        as_text=True
    )
    response = admin.post(f"/admin/access-keys/{key_id}/revoke")
    assert (response.status_code, response.headers["Location"]) == (303, detail)
    assert gateway.check(key).get_json()["error"] == "invalid_key"
