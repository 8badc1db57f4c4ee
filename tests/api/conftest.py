"""Fixtures of the access API tests: the GPT 4 gateway as a client of its own, every answer
it gets checked against docs/access-api.yaml, and customers who hold a key.

Rate limits are on (as in production); each test sets the limits it needs. `PROPAGATE_EXCEPTIONS`
is off so that a crash is answered with the status the gateway would get, not raised here.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from store.accounts import services as account_services
from store.catalog.models import Billing
from store.database import utcnow
from store.subscriptions.models import Subscription, SubscriptionStatus
from tests.conftest import Forms, logged_in

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "access-api.yaml"
SPEC_URI = "urn:store:access-api"
OPERATION = ("/api/v1/access", "get")

NEW_KEY = re.compile(r'<code class="access-key" data-testid="new-key">([^<]*)</code>')
MASKED_KEY = re.compile(r'<code class="access-key">([^<]*)</code>')
REGENERATE = re.compile(r'action="(/account/keys/\d+/regenerate)"')


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "PROPAGATE_EXCEPTIONS": False}


# --- the spec ---------------------------------------------------------------------------


class Spec:
    """docs/access-api.yaml, with a validator for each documented response."""

    def __init__(self, document: dict):
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)

    def validator(self, pointer: str) -> Draft202012Validator:
        """A validator for the schema at `pointer` (a JSON pointer into the document)."""
        return Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=self.registry)

    @property
    def responses(self) -> dict:
        path, method = OPERATION
        return self.document["paths"][path][method]["responses"]

    def resolve(self, node: dict) -> dict:
        """`node`, or what its `$ref` points to (local references only)."""
        while "$ref" in node:
            target = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def documented(self, status: int) -> str | None:
        """The spec's key for this status: itself, or its range ("5XX")."""
        for key in (str(status), f"{str(status)[0]}XX"):
            if key in self.responses:
                return key
        return None

    def body_validator(self, status: int | str) -> Draft202012Validator:
        path, method = OPERATION
        status = self.documented(int(status)) if str(status).isdigit() else status
        escaped = path.replace("~", "~0").replace("/", "~1")
        return self.validator(
            f"/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"
        )

    def check(self, response) -> None:
        """The live answer is one the spec documents: status, JSON body and headers."""
        key = self.documented(response.status_code)
        assert key is not None, f"{response.status_code} is not in the spec"
        documented = self.responses[key]
        assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
        self.body_validator(response.status_code).validate(response.get_json())
        for name, header in documented.get("headers", {}).items():
            header = self.resolve(header)
            value = response.headers.get(name)
            if header.get("required"):
                assert value is not None, f"{response.status_code} without {name}"
            if value is not None:
                Draft202012Validator(header["schema"]).validate(value)


@pytest.fixture(scope="session")
def spec() -> Spec:
    return Spec(yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8")))


# --- the gateway and the customers --------------------------------------------------------


class Gateway:
    """The GPT 4 gateway: calls the access API with a customer's key, with no cookie, and
    checks every answer against the spec."""

    def __init__(self, app, spec: Spec):
        self.client = app.test_client()
        self.spec = spec

    def call(self, authorization: str | None = None, **kwargs):
        headers = {} if authorization is None else {"Authorization": authorization}
        response = self.client.get("/api/v1/access", headers=headers, **kwargs)
        self.spec.check(response)
        assert "Set-Cookie" not in response.headers  # a machine's call opens no session
        return response

    def check(self, key: str, **kwargs):
        return self.call(f"Bearer {key}", **kwargs)


@pytest.fixture
def gateway(app, spec) -> Gateway:
    return Gateway(app, spec)


@pytest.fixture
def browser(app, make_user):
    """A new browser (its own cookies), logged in as `email` (registered if new)."""

    def open_as(email: str, *, admin: bool = False) -> Forms:
        user = account_services.find_user_by_email(email) or make_user(email, admin=admin)
        return logged_in(app, user)

    return open_as


@pytest.fixture
def key_plan(create_product):
    """The monthly "Accès à GPT 4", which grants an access key."""
    return create_product(
        slug="acces-gpt-4",
        name="Accès à GPT 4",
        billing=Billing.MONTHLY,
        grants_access_key=True,
    )


@pytest.fixture
def key_holder(db, key_plan, make_user):
    """A customer with a paid-up subscription and its key, set up in the database (no
    checkout): returns a function giving a new (user, subscription, key) each call."""
    from store.access.keys import issue_key

    counter = iter(range(1, 1000))

    def make(**fields):
        number = next(counter)
        user = make_user(f"abonne{number}@example.org")
        subscription = Subscription(
            stripe_subscription_id=f"sub_test_{number}",
            stripe_customer_id=f"cus_test_{number}",
            user_id=user.id,
            product_id=key_plan.id,
            status=fields.pop("status", SubscriptionStatus.ACTIVE),
            current_period_end=fields.pop("current_period_end", utcnow() + timedelta(days=20)),
            **fields,
        )
        db.session.add(subscription)
        db.session.flush()
        _, key = issue_key(user.id, key_plan, subscription=subscription)
        db.session.commit()
        return user, subscription, key

    return make
