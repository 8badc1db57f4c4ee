"""A stateful HTTP test double of the Stripe API, driven by the real ``stripe`` library.

The double is a real HTTP server on 127.0.0.1, so the application's ``StripeClient`` (pointed at
``double.base_url`` through ``base_addresses``) runs its whole stack: form encoding, headers,
idempotency keys, error mapping and timeouts. The double

* checks parameter names, enum values, integers and booleans against the ``stripe.params``
  TypedDicts of the installed library and answers Stripe's 400 error shape for mistakes;
* keeps customers, products, prices, Checkout Sessions, subscriptions, invoices, coupons,
  promotion codes and billing portal sessions in memory, laid out like the library's API version
  (``stripe.api_version``);
* replays the stored response when an ``Idempotency-Key`` is reused;
* plays Stripe's side of the story (payment, renewal, failed payment, cancellation) through
  scenario helpers that return the webhook events Stripe would send, signed with the real scheme;
* serves a tiny hosted checkout page (``/pay/<id>``), portal page (``/portal/<id>``) and
  invoice page (``/invoice/<id>``, its PDF at ``/invoice/<id>.pdf``) for browser tests, and
  injects failures and timeouts on demand.

Usage::

    # conftest.py: provides the ``stripe_double`` fixture
    pytest_plugins = ["tests.stripe_double"]

    def test_checkout(stripe_double):
        client = stripe.StripeClient(
            "sk_test_123", base_addresses={"api": stripe_double.base_url}, max_network_retries=0
        )
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import hmac
import html
import json
import re
import secrets
import sys
import threading
import time
import types
import typing
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe
import stripe.params as sp

Obj = dict[str, Any]
Event = dict[str, Any]

_ID_PREFIXES = {
    "customer": "cus",
    "product": "prod",
    "price": "price",
    "checkout.session": "cs",
    "item": "li",
    "subscription": "sub",
    "subscription_item": "si",
    "invoice": "in",
    "line_item": "il",
    "billing_portal.session": "bps",
    "event": "evt",
    "payment_intent": "pi",
    "charge": "ch",
    "coupon": "co",
    "promotion_code": "promo",
    "discount": "di",
    "setup_intent": "seti",
    "request": "req",
}
_CURRENCY_SYMBOLS = {"eur": "€", "usd": "$", "gbp": "£"}
_RETRY_DELAY = 3 * 24 * 3600  # Smart Retries try a failed invoice again a few days later


def _now() -> int:
    return int(time.time())


def _new_id(kind: str) -> str:
    return f"{_ID_PREFIXES[kind]}_test_{secrets.token_hex(8)}"


def _path(parent: str, key: str | int) -> str:
    """Stripe's name for a nested parameter: ``line_items[0][price_data]``."""
    return f"{parent}[{key}]" if parent else str(key)


def _list_object(url: str, data: list[Obj]) -> Obj:
    return {"object": "list", "data": data, "has_more": False, "total_count": len(data), "url": url}


def _add_interval(start: int, interval: str, count: int) -> int:
    """``start`` moved ``count`` billing intervals ahead, clamping to the month's last day."""
    moment = datetime.fromtimestamp(start, UTC)
    if interval in ("day", "week"):
        days = count * (7 if interval == "week" else 1)
        return int((moment + timedelta(days=days)).timestamp())
    month_index = moment.month - 1 + count * (12 if interval == "year" else 1)
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def _diff(before: Obj, after: Obj) -> Obj:
    """``previous_attributes`` of an ``*.updated`` event: the old values of what changed.

    Like Stripe, plain hashes are compared key by key while lists and nested API objects (they
    carry an ``object`` field) are reported whole.
    """
    changed: Obj = {}
    for key in [*before, *(key for key in after if key not in before)]:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and "object" not in old:
            changed[key] = _diff(old, new)
        else:
            changed[key] = old
    return changed


def _inclusive_tax(amount: int) -> int:
    """The tax inside a tax-inclusive amount at the double's one rate, 20 %: 700 → 117."""
    return amount - (amount * 100 + 60) // 120


def _invoice_pdf(title: str) -> bytes:
    """A one-page PDF (a valid file, with its cross-reference table) showing ``title``."""
    text = title.encode("latin-1", "replace").replace(b"\\", b"\\\\")
    text = text.replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 14 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _format_amount(amount: int, currency: str) -> str:
    symbol = _CURRENCY_SYMBOLS.get(currency, currency.upper())
    return f"{amount // 100},{amount % 100:02d} {symbol}"


class _ApiError(Exception):
    """An error answered in Stripe's JSON shape; the library maps the status to its exception."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        error = {"type": error_type, "message": message, "param": param, "code": code}
        self.body: Obj = {"error": {k: v for k, v in error.items() if v is not None}}


def _invalid(message: str, param: str | None = None) -> _ApiError:
    return _ApiError(400, message, param=param)


# --- Decoding Stripe's form encoding -------------------------------------------------------------

_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")


def _decode_params(pairs: Iterable[tuple[str, str]]) -> Obj:
    """Turn ``a[b][0][c]=v`` and ``expand[]=x`` pairs back into nested dicts and lists.

    Values stay the strings sent on the wire; typing them is the validator's job.
    """
    root: Obj = {}
    for key, value in pairs:
        match = _KEY.fullmatch(key)
        parts = [match[1], *re.findall(r"\[([^\[\]]*)\]", match[2])] if match else [key]
        node = root
        for depth, part in enumerate(parts):
            name = part or str(len(node))  # "expand[]" appends to the list
            param = parts[0] + "".join(f"[{p}]" for p in parts[1 : depth + 1])
            if depth == len(parts) - 1:
                if isinstance(node.get(name), dict):  # both "a=x" and "a[b]=y"
                    raise _invalid("Invalid hash", param)
                node[name] = value
            else:
                child = node.setdefault(name, {})
                if not isinstance(child, dict):
                    raise _invalid("Invalid hash", param)
                node = child
    return {key: _listify(value) for key, value in root.items()}


def _listify(node: Any) -> Any:
    """Hashes whose keys are all indexes were arrays (the library always sends ``[i]``)."""
    if not isinstance(node, dict):
        return node
    items = {key: _listify(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


# --- Validating against the library's typed params -----------------------------------------------

_OPTION_KEYS = frozenset(stripe.RequestOptions.__annotations__)
_KIND_NAMES = {bool: "boolean", int: "integer", float: "decimal", Decimal: "decimal", str: "string"}


def _is_struct(tp: Any) -> bool:
    # The params classes are typing_extensions TypedDicts, which typing.is_typeddict() rejects.
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def _is_mapping(tp: Any) -> bool:
    """``Dict[str, X]`` or ``UntypedStripeObject[X]`` (metadata and friends): any key goes."""
    origin = typing.get_origin(tp)
    return isinstance(origin, type) and issubclass(origin, dict | stripe.StripeObject)


def _is_list(tp: Any) -> bool:
    return typing.get_origin(tp) is list


@cache
def _fields(struct: type) -> dict[str, Any]:
    """The resolved parameter types of a params TypedDict.

    ``typing.get_type_hints(struct)`` fails: the request options every top-level params class
    inherits (``api_key``, ``idempotency_key``...) mention names that only exist for type
    checkers. They are not API parameters anyway, so only the others are resolved.
    """
    annotations = {k: v for k, v in struct.__annotations__.items() if k not in _OPTION_KEYS}
    holder = types.SimpleNamespace(__annotations__=annotations)
    return typing.get_type_hints(holder, globalns=vars(sys.modules[struct.__module__]))


def _validate_params(struct: type, params: Obj) -> Obj:
    """``params`` checked against ``struct`` and typed (ints, booleans); raises ``_ApiError``."""
    return _check_struct(struct, params, "")


def _check(tp: Any, value: Any, path: str) -> Any:
    if _is_struct(tp):
        return _check_struct(tp, value, path)
    if _is_list(tp):
        return _check_list(typing.get_args(tp)[0], value, path)
    if _is_mapping(tp):
        return _check_mapping(typing.get_args(tp)[-1], value, path)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return _check_union(typing.get_args(tp), value, path)
    return _check_scalar([tp], value, path)


def _check_struct(struct: type, value: Any, path: str) -> Obj:
    if not isinstance(value, dict):
        raise _invalid("Invalid hash", path)
    fields = _fields(struct)
    for key in value:
        if key not in fields:
            raise _invalid(f"Received unknown parameter: {_path(path, key)}", _path(path, key))
    for key in sorted(struct.__required_keys__ - _OPTION_KEYS):
        if key not in value:
            raise _invalid(f"Missing required param: {_path(path, key)}.", _path(path, key))
    return {key: _check(fields[key], item, _path(path, key)) for key, item in value.items()}


def _check_list(element: Any, value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _invalid("Invalid array", path)
    return [_check(element, item, _path(path, index)) for index, item in enumerate(value)]


def _check_mapping(value_type: Any, value: Any, path: str) -> Obj:
    if isinstance(value, list):  # metadata[0]=... was taken for an array by the decoder
        value = {str(index): item for index, item in enumerate(value)}
    if not isinstance(value, dict):
        raise _invalid("Invalid hash", path)
    return {key: _check(value_type, item, _path(path, key)) for key, item in value.items()}


def _check_union(members: tuple[Any, ...], value: Any, path: str) -> Any:
    structs = [m for m in members if _is_struct(m) or _is_mapping(m)]
    lists = [m for m in members if _is_list(m)]
    if isinstance(value, dict) and structs:
        return _check(structs[0], value, path)
    if isinstance(value, list) and (lists or structs):
        return _check((lists or structs)[0], value, path)
    return _check_scalar([m for m in members if m not in structs + lists], value, path)


def _check_scalar(members: list[Any], value: Any, path: str) -> Any:
    literals = [
        arg for m in members if typing.get_origin(m) is Literal for arg in typing.get_args(m)
    ]
    kinds = [m for m in members if typing.get_origin(m) is not Literal]
    main_kind = _KIND_NAMES.get(next((k for k in kinds if k is not str), str), "string")
    if not isinstance(value, str):
        raise _invalid(f"Invalid {main_kind}: {json.dumps(value)}", path)
    if value in literals:
        return value
    for kind in kinds:
        if kind is bool and value in ("true", "false"):
            return value == "true"
        if kind is int and re.fullmatch(r"-?\d+", value):
            return int(value)
        if kind in (float, Decimal) and _is_number(value):
            return float(value) if kind is float else value  # Stripe echoes decimals as strings
        if kind not in _KIND_NAMES:
            return value  # a type this validator does not know: accept it
    enum = [literal for literal in literals if literal != ""]
    if str in kinds and not enum:
        return value
    if enum and kinds in ([], [str]):
        # An enum; the generated types add ``str`` only for forward compatibility.
        raise _invalid(f"Invalid {path}: must be one of {_one_of(enum)}", path)
    raise _invalid(f"Invalid {main_kind}: {value}", path)


def _is_number(value: str) -> bool:
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _one_of(options: list[str]) -> str:
    if len(options) <= 2:
        return " or ".join(options)
    return f"{', '.join(options[:-1])}, or {options[-1]}"


# --- HTTP plumbing -------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One request received by the double, in arrival order in ``StripeDouble.requests``."""

    method: str
    path: str  # without the query string
    params: Obj  # form body or query, decoded to nested dicts/lists of the strings sent
    headers: dict[str, str]
    status: int = 0
    response: Obj | None = None  # the JSON answer of API routes (None for the HTML pages)

    def header(self, name: str) -> str | None:
        """A header value, looked up case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class _Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    hold: bool = False  # answer only after ``timeout_delay`` (injected timeout)


@dataclass
class _Fault:
    method: str
    path_prefix: str
    status: int
    remaining: int
    body: Obj
    timeout: bool
    without: str | None  # answer 200, minus this field


@dataclass
class _Replay:
    method: str
    path: str
    params: Obj
    response: Obj


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    params: type
    action: Callable[..., Obj]  # called with the validated params and the ids in the path


def _json_response(status: int, data: Obj) -> _Response:
    headers = {"Content-Type": "application/json", "Request-Id": _new_id("request")}
    return _Response(status, json.dumps(data).encode(), headers)


def _html_response(status: int, title: str, content: str) -> _Response:
    page = (
        '<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body><main>\n"
        f"<h1>{html.escape(title)}</h1>\n{content}\n</main></body></html>\n"
    )
    return _Response(status, page.encode(), {"Content-Type": "text/html; charset=utf-8"})


class _Server(ThreadingHTTPServer):
    # Handler threads are joined by server_close(), so no handler outlives StripeDouble.close().
    daemon_threads = False
    block_on_close = True

    def __init__(self, double: StripeDouble) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.double = double


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a client that connects and stays silent cannot block close() for long
    # HTTP/1.0 (the default) closes the connection after each answer: no idle keep-alive sockets.

    def do_GET(self) -> None:
        self.server.double._serve(self)

    do_POST = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # requests are recorded on the double instead of printed


# --- The double ----------------------------------------------------------------------------------


class StripeDouble:
    """A fake Stripe API server on 127.0.0.1; see the module docstring."""

    def __init__(self, *, timeout_delay: float = 3.0) -> None:
        self.timeout_delay = timeout_delay  # how long an injected timeout holds the answer
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.requests: list[RecordedRequest] = []
        self.events: list[Event] = []  # outbox: every event generated, in order
        self.deliveries: list[tuple[str, int]] = []  # (event id, HTTP status; 0 = unreachable)
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._closed = False
        self._objects: dict[str, Obj] = {}
        self._session_items: dict[str, list[Obj]] = {}
        self._session_params: dict[str, Obj] = {}
        self._cycles: dict[str, int] = {}  # subscription id -> index of its current period
        self._replays: dict[str, _Replay] = {}
        self._faults: list[_Fault] = []
        self._invoice_count = 0
        self._routes = self._build_routes()
        self._server = _Server(self)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop the server; handlers holding an injected timeout are woken up first."""
        if self._closed:
            return
        self._closed = True
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> StripeDouble:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- Inspection ------------------------------------------------------------------------------

    def last(self, method: str, path: str) -> RecordedRequest:
        """The newest recorded request for ``method`` and ``path`` (no query string)."""
        with self._lock:
            for request in reversed(self.requests):
                if request.method == method.upper() and request.path == path:
                    return request
            seen = [f"{r.method} {r.path}" for r in self.requests]
        raise LookupError(f"no {method.upper()} {path} request; received: {seen}")

    def get(self, object_id: str) -> Obj:
        """A copy of a stored object as the API would show it now."""
        with self._lock:
            return self._snapshot(self._objects[object_id])

    def list_objects(self, object_type: str) -> list[Obj]:
        """Copies of every stored object of a type (``"customer"``, ``"checkout.session"``...)."""
        with self._lock:
            return [self._snapshot(o) for o in self._objects.values() if o["object"] == object_type]

    # --- Fault injection -------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        *,
        status: int = 500,
        times: int = 1,
        error_type: str | None = None,
        code: str | None = None,
        message: str | None = None,
        timeout: bool = False,
        without: str | None = None,
    ) -> None:
        """Make the next ``times`` matching API requests fail.

        The error type defaults from the status like Stripe's (402 → ``card_error`` with code
        ``card_declined``, other 4xx → ``invalid_request_error``, 5xx → ``api_error``). With
        ``timeout=True`` the request is carried out but its answer is held ``timeout_delay``
        seconds, past the client's timeout: like a response lost on the network, a retry with
        the same idempotency key then gets the stored result. With ``without="url"`` the request
        is carried out and answered 200, but with that field left out of the answer (an answer
        altered on the way, or from an API version that lacks the field).
        """
        if error_type is None:
            error_type = {402: "card_error"}.get(
                status, "invalid_request_error" if status < 500 else "api_error"
            )
        if code is None:
            code = {402: "card_declined", 429: "rate_limit"}.get(status)
        if message is None:
            message = (
                "Your card was declined."
                if status == 402
                else f"StripeDouble injected an HTTP {status} error."
            )
        error = {"type": error_type, "message": message, "code": code}
        body = {"error": {k: v for k, v in error.items() if v is not None}}
        fault = _Fault(method.upper(), path_prefix, status, times, body, timeout, without)
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # --- Webhooks --------------------------------------------------------------------------------

    def event_payload(self, event: Event) -> bytes:
        """The webhook body Stripe would POST for ``event``."""
        return json.dumps(event, indent=2).encode()

    def sign(self, payload: bytes, secret: str, timestamp: int | None = None) -> str:
        """The ``Stripe-Signature`` header for ``payload``: HMAC-SHA256 of ``"<t>.<payload>"``."""
        signed_at = _now() if timestamp is None else timestamp
        digest = hmac.new(secret.encode(), f"{signed_at}.".encode() + payload, hashlib.sha256)
        return f"t={signed_at},v1={digest.hexdigest()}"

    def deliver(self, events: Iterable[Event]) -> list[int]:
        """POST each event, signed, to ``webhook_url``; the HTTP statuses (0 if unreachable)."""
        if not self.webhook_url or not self.webhook_secret:
            raise ValueError("set webhook_url and webhook_secret before delivering events")
        # No proxy (straight to the local app) and no redirects (a 302 to a login page is a
        # failed delivery, not a 200).
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
        statuses = []
        for event in events:
            payload = self.event_payload(event)
            request = urllib.request.Request(
                self.webhook_url,
                data=payload,
                method="POST",
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "Stripe-Signature": self.sign(payload, self.webhook_secret),
                    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                },
            )
            try:
                with opener.open(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
                error.close()
            except OSError:  # URLError, refused connection, timeout
                status = 0
            with self._lock:
                self.deliveries.append((event["id"], status))
            statuses.append(status)
        return statuses

    def _emit(self, event_type: str, obj: Obj, previous: Obj | None = None) -> Event:
        data: Obj = {"object": self._snapshot(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event = {
            "id": _new_id("event"),
            "object": "event",
            "api_version": stripe.api_version,
            "created": _now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        self.events.append(event)
        return event

    def _emit_updated(self, obj: Obj, before: Obj) -> list[Event]:
        """``<object>.updated`` for the changes made since the ``before`` snapshot, if any."""
        previous = _diff(before, self._snapshot(obj))
        if not previous:
            return []
        prefix = "customer.subscription" if obj["object"] == "subscription" else obj["object"]
        return [self._emit(f"{prefix}.updated", obj, previous)]

    # --- Scenario helpers: what happens on Stripe's side ----------------------------------------

    def complete_checkout(
        self, session_id: str, *, async_payment: bool = False, promotion_code: str | None = None
    ) -> list[Event]:
        """The customer pays on the hosted page.

        Subscription mode creates the customer (if the session only had an email), an active
        subscription and its paid first invoice: ``[checkout.session.completed,
        customer.subscription.created, invoice.paid]``. With ``async_payment`` (SEPA...) the
        payment is still processing: session ``unpaid``, subscription ``incomplete``, invoice
        ``open``, and no ``invoice.paid`` until ``async_payment_result``. Payment mode gives
        ``[checkout.session.completed]``, with a customer only if the session asked for
        ``customer_creation="always"`` (as on Stripe), plus ``invoice.paid`` when the session
        asked for ``invoice_creation`` (after ``async_payment_result`` for a delayed payment).

        ``promotion_code`` is a code the customer types (see ``create_promotion_code``); the
        session must allow promotion codes. With ``subscription_data.trial_period_days`` the
        subscription starts ``trialing`` and its first invoice charges only one-time items.
        A session with nothing to pay ends ``no_payment_required``.
        """
        with self._lock:
            session = self._require("checkout.session", session_id)
            if session["status"] != "open":
                raise ValueError(f"checkout session {session_id} is {session['status']}")
            subscription_data = self._session_params[session_id].get("subscription_data", {})
            trial_days = subscription_data.get("trial_period_days")
            if trial_days:
                # Only the one-time items are charged today.
                session["amount_total"] = sum(
                    item["amount_total"]
                    for item in self._session_items[session_id]
                    if not item["price"]["recurring"]
                )
            promotion = None
            if promotion_code is not None:
                promotion = self._apply_promotion_code(session, promotion_code, bool(trial_days))
            customer = self._objects.get(session["customer"] or "")
            email = session["customer_email"] or (customer or {}).get("email")
            email = email or "customer@example.com"  # typed by the customer on the page
            session["status"] = "complete"
            if (session["consent_collection"] or {}).get("terms_of_service") == "required":
                session["consent"] = {"promotions": None, "terms_of_service": "accepted"}
            session["customer_details"] = {
                "address": None,
                "email": email,
                "name": None,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            }
            wants_customer = session["customer_creation"] == "always"
            if customer is None and (session["mode"] == "subscription" or wants_customer):
                customer = self._create_customer({"email": email})
                session["customer"] = customer["id"]
            if session["mode"] == "setup":
                session["setup_intent"] = _new_id("setup_intent")
                return [self._emit("checkout.session.completed", session)]
            nothing_due = session["amount_total"] == 0
            session["payment_status"] = (
                "no_payment_required" if nothing_due else "unpaid" if async_payment else "paid"
            )
            async_payment = async_payment and not nothing_due
            if session["mode"] == "payment":
                if not nothing_due:
                    session["payment_intent"] = _new_id("payment_intent")
                invoice = None if async_payment else self._invoice_session(session)
                if invoice is not None and promotion is not None:
                    # The invoice bills what the session charged, after the code.
                    self._set_invoice_total(invoice, invoice["subtotal"], promotion["amount"])
                    self._mark_paid(invoice)
                events = [self._emit("checkout.session.completed", session)]
                return events + ([self._emit("invoice.paid", invoice)] if invoice else [])

            subscription = self._start_subscription(session, active=not async_payment)
            if trial_days:
                self._start_trial(subscription, trial_days)
            one_time = [i for i in self._session_items[session_id] if not i["price"]["recurring"]]
            invoice = self._new_invoice(
                subscription, "subscription_create", paid=False, one_time=one_time
            )
            if trial_days:
                self._free_trial_lines(invoice)
            if promotion is not None:
                self._discount_invoice(subscription, invoice, promotion)
            if not async_payment:
                self._mark_paid(invoice)
            subscription["latest_invoice"] = invoice["id"]
            session["subscription"] = subscription["id"]
            session["invoice"] = invoice["id"]
            events = [
                self._emit("checkout.session.completed", session),
                self._emit("customer.subscription.created", subscription),
            ]
            if not async_payment:
                events.append(self._emit("invoice.paid", invoice))
            return events

    def async_payment_result(self, session_id: str, succeeded: bool) -> list[Event]:
        """The delayed payment of a completed session settles (or fails).

        Success: ``[checkout.session.async_payment_succeeded]`` plus, in subscription mode,
        ``invoice.paid`` and ``customer.subscription.updated`` (now active). Failure:
        ``[checkout.session.async_payment_failed]`` plus ``invoice.payment_failed``.
        """
        with self._lock:
            session = self._require("checkout.session", session_id)
            if session["status"] != "complete" or session["payment_status"] != "unpaid":
                raise ValueError(f"checkout session {session_id} has no payment pending")
            subscription = self._objects.get(session["subscription"] or "")
            if not succeeded:
                events = [self._emit("checkout.session.async_payment_failed", session)]
                if subscription is not None:
                    invoice = self._objects[subscription["latest_invoice"]]
                    invoice["next_payment_attempt"] = None
                    events.append(self._emit("invoice.payment_failed", invoice))
                return events
            session["payment_status"] = "paid"
            invoice = None if subscription else self._invoice_session(session)
            events = [self._emit("checkout.session.async_payment_succeeded", session)]
            if subscription is not None:
                events += self._pay_latest_invoice(subscription)
            return events + ([self._emit("invoice.paid", invoice)] if invoice else [])

    def renew(self, subscription_id: str) -> list[Event]:
        """A billing period ends and the renewal is paid: ``[invoice.paid,
        customer.subscription.updated]`` (item periods one interval later).

        A subscription set to cancel at period end ends instead, as on Stripe:
        ``[customer.subscription.deleted]``.
        """
        with self._lock:
            subscription = self._require_live_subscription(subscription_id)
            if subscription["cancel_at_period_end"]:
                return self.delete_subscription(subscription_id)
            before = self._snapshot(subscription)
            invoice = self._next_cycle(subscription, paid=True)
            subscription["status"] = "active"
            return [self._emit("invoice.paid", invoice), *self._emit_updated(subscription, before)]

    def end_trial(self, subscription_id: str) -> list[Event]:
        """The free trial ends and the first period is paid: ``[invoice.paid,
        customer.subscription.updated]`` (now ``active``, first period from the trial end)."""
        with self._lock:
            subscription = self._require_live_subscription(subscription_id)
            if subscription["status"] != "trialing":
                raise ValueError(f"subscription {subscription_id} is not trialing")
            return self.renew(subscription_id)

    def create_promotion_code(
        self,
        code: str = "BIENVENUE",
        *,
        percent_off: float | None = None,
        amount_off: int | None = None,
        currency: str = "eur",
    ) -> Obj:
        """A coupon and its customer-facing promotion code, as made in Stripe's dashboard;
        returns the promotion code (its coupon is ``promotion.coupon``). The coupon applies
        once: to a payment, or to a subscription's first invoice (renewals are full price)."""
        if (percent_off is None) == (amount_off is None):
            raise ValueError("give percent_off or amount_off")
        with self._lock:
            coupon = self._store(
                "coupon",
                {
                    "amount_off": amount_off,
                    "currency": currency if amount_off is not None else None,
                    "duration": "once",
                    "duration_in_months": None,
                    "max_redemptions": None,
                    "metadata": {},
                    "name": code,
                    "percent_off": percent_off,
                    "redeem_by": None,
                    "times_redeemed": 0,
                    "valid": True,
                },
            )
            promotion_code = self._store(
                "promotion_code",
                {
                    "active": True,
                    "code": code,
                    "customer": None,
                    "customer_account": None,
                    "expires_at": None,
                    "max_redemptions": None,
                    "metadata": {},
                    "promotion": {"coupon": coupon["id"], "type": "coupon"},
                    "restrictions": {
                        "currency_options": {},
                        "first_time_transaction": False,
                        "minimum_amount": None,
                        "minimum_amount_currency": None,
                    },
                    "times_redeemed": 0,
                },
            )
            return self._snapshot(promotion_code)

    def fail_payment(self, subscription_id: str) -> list[Event]:
        """The renewal payment fails: ``[invoice.payment_failed, customer.subscription.updated]``.

        As on Stripe the new period still starts (item periods move on) while the invoice stays
        ``open`` and the subscription turns ``past_due``: grant access by ``status``, not by
        period. Calling it again while the invoice is open only records one more failed attempt.
        """
        with self._lock:
            subscription = self._require_live_subscription(subscription_id)
            before = self._snapshot(subscription)
            invoice = self._objects[subscription["latest_invoice"]]
            if invoice["status"] == "open":
                invoice["attempt_count"] += 1
                invoice["next_payment_attempt"] = _now() + _RETRY_DELAY
            else:
                invoice = self._next_cycle(subscription, paid=False)
            subscription["status"] = "past_due"
            return [
                self._emit("invoice.payment_failed", invoice),
                *self._emit_updated(subscription, before),
            ]

    def recover_payment(self, subscription_id: str) -> list[Event]:
        """A retry of the open invoice succeeds.

        ``[invoice.paid, customer.subscription.updated]`` (the subscription is active again).
        """
        with self._lock:
            subscription = self._require_live_subscription(subscription_id)
            if self._objects[subscription["latest_invoice"]]["status"] != "open":
                raise ValueError(f"subscription {subscription_id} has no open invoice")
            return self._pay_latest_invoice(subscription)

    def cancel_at_period_end(self, subscription_id: str) -> list[Event]:
        """The customer cancels (e.g. in the portal): ``[customer.subscription.updated]``."""
        with self._lock:
            subscription = self._require_live_subscription(subscription_id)
            before = self._snapshot(subscription)
            self._set_cancel_at_period_end(subscription, True)
            return self._emit_updated(subscription, before)

    def switch_price(self, subscription_id: str, price_id: str) -> list[Event]:
        """The customer switches plan outside the store (Stripe's customer portal, or the
        merchant in the dashboard): the first item bills `price_id` from now on.
        ``[customer.subscription.updated]``."""
        with self._lock:
            subscription = self._require_live_subscription(subscription_id)
            price = self._require("price", price_id)
            before = self._snapshot(subscription)
            subscription["items"]["data"][0]["price"] = price
            return self._emit_updated(subscription, before)

    def resume(self, subscription_id: str) -> list[Event]:
        """The cancellation is withdrawn: ``[customer.subscription.updated]``."""
        with self._lock:
            subscription = self._require_live_subscription(subscription_id)
            before = self._snapshot(subscription)
            self._set_cancel_at_period_end(subscription, False)
            return self._emit_updated(subscription, before)

    def delete_subscription(self, subscription_id: str) -> list[Event]:
        """The subscription ends now (status ``canceled``): ``[customer.subscription.deleted]``."""
        with self._lock:
            subscription = self._require_live_subscription(subscription_id)
            self._end_subscription(subscription)
            return [self._emit("customer.subscription.deleted", subscription)]

    def refund(self, session_id: str, amount: int | None = None) -> list[Event]:
        """The merchant refunds a paid one-time Checkout payment (in full unless ``amount``):
        ``[charge.refunded]`` with the charge of the session's payment intent."""
        with self._lock:
            session = self._require("checkout.session", session_id)
            if session["mode"] != "payment" or session["payment_status"] != "paid":
                raise ValueError(f"checkout session {session_id} has no paid payment")
            total = session["amount_total"] or 0
            refunded = total if amount is None else amount
            charge = self._store(
                "charge",
                {
                    "amount": total,
                    "amount_refunded": refunded,
                    "currency": session["currency"],
                    "customer": session["customer"],
                    "paid": True,
                    "payment_intent": session["payment_intent"],
                    "refunded": refunded >= total,
                    "status": "succeeded",
                },
            )
            return [self._emit("charge.refunded", charge)]

    # --- State changes shared by the helpers and the API ----------------------------------------

    def _require(self, kind: str, object_id: str) -> Obj:
        obj = self._objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise KeyError(f"StripeDouble has no {kind} {object_id!r}")
        return obj

    def _require_live_subscription(self, subscription_id: str) -> Obj:
        subscription = self._require("subscription", subscription_id)
        if subscription["status"] in ("canceled", "incomplete_expired"):
            raise ValueError(f"subscription {subscription_id} is {subscription['status']}")
        return subscription

    def _store(self, kind: str, fields: Obj) -> Obj:
        obj = {"id": _new_id(kind), "object": kind, "created": _now(), "livemode": False, **fields}
        self._objects[obj["id"]] = obj
        return obj

    def _start_subscription(self, session: Obj, *, active: bool) -> Obj:
        now = _now()
        params = self._session_params[session["id"]].get("subscription_data", {})
        subscription = self._store(
            "subscription",
            {
                "application": None,
                "application_fee_percent": None,
                "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
                "billing_cycle_anchor": now,
                "cancel_at": None,
                "cancel_at_period_end": False,
                "canceled_at": None,
                "cancellation_details": {"comment": None, "feedback": None, "reason": None},
                "collection_method": "charge_automatically",
                "currency": session["currency"],
                "customer": session["customer"],
                "days_until_due": None,
                "default_payment_method": None,
                "description": params.get("description"),
                "discounts": [],
                "ended_at": None,
                "items": None,
                "latest_invoice": None,
                "metadata": {k: v for k, v in params.get("metadata", {}).items() if v != ""},
                "pause_collection": None,
                "pending_update": None,
                "schedule": None,
                "start_date": now,
                "status": "active" if active else "incomplete",
                "test_clock": None,
                "trial_end": None,
                "trial_start": None,
            },
        )
        items = [
            {
                "id": _new_id("subscription_item"),
                "object": "subscription_item",
                "created": now,
                "current_period_end": now,  # set by _set_period below
                "current_period_start": now,
                "discounts": [],
                "metadata": {},
                "price": item["price"],
                "quantity": item["quantity"],
                "subscription": subscription["id"],
                "tax_rates": [],
            }
            for item in self._session_items[session["id"]]
            if item["price"]["recurring"]
        ]
        url = f"/v1/subscription_items?subscription={subscription['id']}"
        subscription["items"] = _list_object(url, items)
        self._set_period(subscription, 0)
        return subscription

    def _start_trial(self, subscription: Obj, days: int) -> None:
        """Make a new subscription trialing: its first period is the trial, billing starts at
        its end (the anchor), and ``renew``/``end_trial`` bill period 0 from there."""
        start = subscription["start_date"]
        end = start + days * 24 * 3600
        subscription.update(
            status="trialing", trial_start=start, trial_end=end, billing_cycle_anchor=end
        )
        self._cycles[subscription["id"]] = -1
        for item in subscription["items"]["data"]:
            item["current_period_start"], item["current_period_end"] = start, end

    def _free_trial_lines(self, invoice: Obj) -> None:
        """The trial's invoice charges nothing for the subscription items (one-time items stay)."""
        for line in invoice["lines"]["data"]:
            if line["parent"]["type"] == "subscription_item_details":
                product = self._objects[line["pricing"]["price_details"]["product"]]
                line.update(amount=0, subtotal=0)
                line["description"] = f"Trial period for {product['name']}"
        self._set_invoice_total(invoice, sum(line["amount"] for line in invoice["lines"]["data"]))

    @staticmethod
    def _set_invoice_total(invoice: Obj, subtotal: int, discount: int = 0) -> None:
        total = subtotal - discount
        invoice.update(amount_due=total, amount_remaining=total, subtotal=subtotal, total=total)
        invoice["total_excluding_tax"] = total

    def _apply_promotion_code(self, session: Obj, code: str, trial: bool) -> Obj:
        """Apply a promotion code typed on the hosted page to the session's amounts; returns
        the discount (``{"coupon", "promotion_code", "amount", "items"}``)."""
        if not session["allow_promotion_codes"]:
            raise ValueError(f"checkout session {session['id']} does not take promotion codes")
        promotion_code = next(
            (
                obj
                for obj in self._objects.values()
                if obj["object"] == "promotion_code"
                and obj["active"]
                and obj["code"].lower() == code.lower()
            ),
            None,
        )
        if promotion_code is None:
            raise ValueError(f"no active promotion code {code!r}")
        coupon = self._objects[promotion_code["promotion"]["coupon"]]
        # During a trial only what is charged today (one-time items) can be discounted.
        items = [
            item
            for item in self._session_items[session["id"]]
            if not (trial and item["price"]["recurring"])
        ]
        subtotal = sum(item["amount_subtotal"] for item in items)
        if coupon["percent_off"] is not None:
            amount = round(subtotal * Decimal(str(coupon["percent_off"])) / 100)
        else:
            amount = min(coupon["amount_off"], subtotal)
        # Spread over the items in proportion to their amounts; the last takes the rounding.
        left = amount
        for index, item in enumerate(items):
            share = (
                left if index == len(items) - 1 else amount * item["amount_subtotal"] // subtotal
            )
            left -= share
            item["amount_discount"] = share
            item["amount_total"] = item["amount_subtotal"] - share
        session["amount_total"] -= amount
        session["total_details"]["amount_discount"] = amount
        session["discounts"] = [{"coupon": coupon["id"], "promotion_code": promotion_code["id"]}]
        for redeemed in (coupon, promotion_code):
            redeemed["times_redeemed"] += 1
        return {"coupon": coupon, "promotion_code": promotion_code, "amount": amount}

    def _discount_invoice(self, subscription: Obj, invoice: Obj, promotion: Obj) -> None:
        """The first invoice of a subscription started with a promotion code: a discount on
        the subscription, its amount taken off the invoice."""
        discount = self._store(
            "discount",
            {
                "checkout_session": None,
                "customer": subscription["customer"],
                "customer_account": None,
                "end": None,
                "invoice": None,
                "invoice_item": None,
                "promotion_code": promotion["promotion_code"]["id"],
                "source": {"coupon": promotion["coupon"]["id"], "type": "coupon"},
                "start": _now(),
                "subscription": subscription["id"],
                "subscription_item": None,
            },
        )
        subscription["discounts"] = [discount["id"]]
        amount = min(promotion["amount"], invoice["subtotal"])
        invoice["discounts"] = [discount["id"]]
        invoice["total_discount_amounts"] = [{"amount": amount, "discount": discount["id"]}]
        self._set_invoice_total(invoice, invoice["subtotal"], amount)

    def _set_period(self, subscription: Obj, cycle: int) -> None:
        """Put every item on billing period number ``cycle`` counted from the anchor.

        Counting from the anchor keeps the day of month: 31 Jan → 28 Feb → 31 Mar.
        """
        self._cycles[subscription["id"]] = cycle
        anchor = subscription["billing_cycle_anchor"]
        for item in subscription["items"]["data"]:
            recurring = item["price"]["recurring"]
            step = recurring["interval_count"]
            item["current_period_start"] = _add_interval(
                anchor, recurring["interval"], cycle * step
            )
            item["current_period_end"] = _add_interval(
                anchor, recurring["interval"], (cycle + 1) * step
            )

    def _next_cycle(self, subscription: Obj, *, paid: bool) -> Obj:
        """Start the next billing period and bill it; the new invoice."""
        first_item = subscription["items"]["data"][0]
        ended = first_item["current_period_start"], first_item["current_period_end"]
        self._set_period(subscription, self._cycles[subscription["id"]] + 1)
        # A cycle invoice's own period_start/period_end cover the period that just ended (when
        # pending invoice items accrued); the service period is on its lines.
        invoice = self._new_invoice(subscription, "subscription_cycle", paid=paid, period=ended)
        subscription["latest_invoice"] = invoice["id"]
        return invoice

    def _new_invoice(
        self,
        subscription: Obj | None,
        reason: str,
        *,
        paid: bool,
        one_time: list[Obj] | None = None,
        period: tuple[int, int] | None = None,
        session: Obj | None = None,
    ) -> Obj:
        """A subscription's invoice, or (``subscription`` None) the invoice a payment-mode
        Checkout Session makes with ``invoice_creation`` (``parent`` None, its metadata)."""
        now = _now()
        owner = subscription or session or {}
        customer = self._objects.get(owner.get("customer") or "") or {}
        metadata: Obj = {}
        if subscription is None and session is not None:
            invoice_data = (session["invoice_creation"] or {}).get("invoice_data") or {}
            metadata = dict(invoice_data.get("metadata") or {})
        self._invoice_count += 1
        invoice = self._store(
            "invoice",
            {
                "account_country": "FR",
                "account_name": "StripeDouble",
                "amount_due": 0,
                "amount_overpaid": 0,
                "amount_paid": 0,
                "amount_remaining": 0,
                "amount_shipping": 0,
                "attempt_count": 1,
                "attempted": True,
                "auto_advance": not paid,
                "billing_reason": reason,
                "collection_method": "charge_automatically",
                "currency": owner["currency"],
                "customer": customer.get("id"),
                "customer_email": customer.get("email") or (session or {}).get("customer_email"),
                "customer_name": customer.get("name"),
                "default_payment_method": None,
                "description": None,
                "discounts": [],
                "due_date": None,
                "effective_at": now,
                "hosted_invoice_url": None,
                "invoice_pdf": None,
                "lines": None,
                "metadata": metadata,
                "next_payment_attempt": None if paid else now + _RETRY_DELAY,
                "number": f"TEST-{self._invoice_count:04d}",
                "parent": subscription
                and {
                    "type": "subscription_details",
                    "quote_details": None,
                    "subscription_details": {
                        "metadata": dict(subscription["metadata"]),
                        "subscription": subscription["id"],
                        "subscription_proration_date": None,
                    },
                },
                "period_end": period[1] if period else now,
                "period_start": period[0] if period else now,
                "status": "open",
                "status_transitions": {
                    "finalized_at": now,
                    "marked_uncollectible_at": None,
                    "paid_at": None,
                    "voided_at": None,
                },
                "subtotal": 0,
                "total": 0,
                "total_discount_amounts": [],
                "total_excluding_tax": 0,
            },
        )
        # Stripe's page where the customer reads and downloads the invoice (a receipt once paid).
        invoice["hosted_invoice_url"] = f"{self.base_url}/invoice/{invoice['id']}"
        invoice["invoice_pdf"] = f"{self.base_url}/invoice/{invoice['id']}.pdf"
        lines = [
            self._invoice_line(
                invoice, item, item["current_period_start"], item["current_period_end"]
            )
            for item in (subscription["items"]["data"] if subscription else [])
        ]
        lines += [self._invoice_line(invoice, item, now, now) for item in one_time or []]
        invoice["lines"] = _list_object(f"/v1/invoices/{invoice['id']}/lines", lines)
        total = sum(line["amount"] for line in lines)
        invoice.update(amount_due=total, amount_remaining=total, subtotal=total, total=total)
        taxed = session is not None and session["automatic_tax"]["enabled"]
        invoice["total_excluding_tax"] = total - (_inclusive_tax(total) if taxed else 0)
        if paid:
            self._mark_paid(invoice)
        return invoice

    def _invoice_session(self, session: Obj) -> Obj | None:
        """The paid invoice of a payment-mode session with ``invoice_creation`` enabled (billing
        reason ``manual``, no subscription), set as the session's ``invoice``; else None."""
        if not (session["invoice_creation"] or {}).get("enabled"):
            return None
        items = self._session_items[session["id"]]
        invoice = self._new_invoice(None, "manual", paid=True, one_time=items, session=session)
        session["invoice"] = invoice["id"]
        return invoice

    def _invoice_line(self, invoice: Obj, item: Obj, start: int, end: int) -> Obj:
        """A line of ``invoice`` for a subscription item or a one-time Checkout item."""
        price = item["price"]
        amount = (price["unit_amount"] or 0) * item["quantity"]
        product = self._objects[price["product"]]
        subscription_item = item["object"] == "subscription_item"
        details = subscription_item and {
            "invoice_item": None,
            "proration": False,
            "proration_details": {"credited_items": None},
            "subscription": invoice["parent"]["subscription_details"]["subscription"],
            "subscription_item": item["id"],
        }
        return {
            "id": _new_id("line_item"),
            "object": "line_item",
            "amount": amount,
            "currency": price["currency"],
            "description": f"{item['quantity']} × {product['name']}",
            "discount_amounts": [],
            "discountable": True,
            "discounts": [],
            "invoice": invoice["id"],
            "livemode": False,
            "metadata": {},
            "parent": {
                "type": "subscription_item_details"
                if subscription_item
                else "invoice_item_details",
                "invoice_item_details": None,
                "subscription_item_details": details if subscription_item else None,
            },
            "period": {"start": start, "end": end},
            "pretax_credit_amounts": [],
            "pricing": {
                "type": "price_details",
                "price_details": {"price": price["id"], "product": product["id"]},
                "unit_amount_decimal": price["unit_amount_decimal"],
            },
            "quantity": item["quantity"],
            "subtotal": amount,
            "taxes": [],
        }

    def _mark_paid(self, invoice: Obj) -> None:
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            auto_advance=False,
            next_payment_attempt=None,
        )
        invoice["status_transitions"]["paid_at"] = _now()

    def _pay_latest_invoice(self, subscription: Obj) -> list[Event]:
        before = self._snapshot(subscription)
        invoice = self._objects[subscription["latest_invoice"]]
        self._mark_paid(invoice)
        subscription["status"] = "active"
        return [self._emit("invoice.paid", invoice), *self._emit_updated(subscription, before)]

    def _set_cancel_at_period_end(self, subscription: Obj, cancel: bool) -> None:
        period_end = subscription["items"]["data"][0]["current_period_end"]
        subscription["cancel_at_period_end"] = cancel
        subscription["cancel_at"] = period_end if cancel else None
        # canceled_at is the time of the cancellation request, not the end of the period.
        subscription["canceled_at"] = _now() if cancel else None
        subscription["cancellation_details"]["reason"] = (
            "cancellation_requested" if cancel else None
        )

    def _end_subscription(self, subscription: Obj) -> None:
        now = _now()
        subscription["status"] = "canceled"
        subscription["ended_at"] = now
        subscription["canceled_at"] = subscription["canceled_at"] or now
        details = subscription["cancellation_details"]
        details["reason"] = details["reason"] or "cancellation_requested"

    # --- API routes ------------------------------------------------------------------------------

    def _build_routes(self) -> list[_Route]:
        retrieve = self._retrieve
        table: list[tuple[str, str, type, Callable[..., Obj]]] = [
            ("POST", "/v1/customers", sp.CustomerCreateParams, self._create_customer),
            ("GET", "/v1/customers/{id}", sp.CustomerRetrieveParams, partial(retrieve, "customer")),
            ("POST", "/v1/customers/{id}", sp.CustomerUpdateParams, self._update_customer),
            ("POST", "/v1/products", sp.ProductCreateParams, self._create_product),
            ("GET", "/v1/products/{id}", sp.ProductRetrieveParams, partial(retrieve, "product")),
            ("POST", "/v1/products/{id}", sp.ProductUpdateParams, self._update_product),
            ("POST", "/v1/prices", sp.PriceCreateParams, self._create_price),
            ("GET", "/v1/prices/{id}", sp.PriceRetrieveParams, partial(retrieve, "price")),
            ("POST", "/v1/prices/{id}", sp.PriceUpdateParams, self._update_price),
            (
                "POST",
                "/v1/checkout/sessions",
                sp.checkout.SessionCreateParams,
                self._create_checkout_session,
            ),
            (
                "GET",
                "/v1/checkout/sessions/{id}",
                sp.checkout.SessionRetrieveParams,
                partial(retrieve, "checkout.session"),
            ),
            (
                "GET",
                "/v1/checkout/sessions/{id}/line_items",
                sp.checkout.SessionLineItemListParams,
                self._list_session_line_items,
            ),
            (
                "GET",
                "/v1/subscriptions/{id}",
                sp.SubscriptionRetrieveParams,
                partial(retrieve, "subscription"),
            ),
            (
                "POST",
                "/v1/subscriptions/{id}",
                sp.SubscriptionUpdateParams,
                self._update_subscription,
            ),
            (
                "DELETE",
                "/v1/subscriptions/{id}",
                sp.SubscriptionCancelParams,
                self._cancel_subscription,
            ),
            ("GET", "/v1/invoices/{id}", sp.InvoiceRetrieveParams, partial(retrieve, "invoice")),
            ("GET", "/v1/charges/{id}", sp.ChargeRetrieveParams, partial(retrieve, "charge")),
            ("GET", "/v1/coupons/{id}", sp.CouponRetrieveParams, partial(retrieve, "coupon")),
            (
                "GET",
                "/v1/promotion_codes/{id}",
                sp.PromotionCodeRetrieveParams,
                partial(retrieve, "promotion_code"),
            ),
            (
                "POST",
                "/v1/billing_portal/sessions",
                sp.billing_portal.SessionCreateParams,
                self._create_portal_session,
            ),
        ]
        return [
            _Route(
                method, re.compile(template.replace("{id}", "(?P<object_id>[^/]+)")), params, act
            )
            for method, template, params, act in table
        ]

    def _match(self, method: str, path: str) -> tuple[_Route, dict[str, str]]:
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match and route.method == method:
                return route, match.groupdict()
        raise _ApiError(404, f"Unrecognized request URL ({method}: {path}).")

    def _lookup(self, kind: str, object_id: str, param: str = "id") -> Obj:
        obj = self._objects.get(object_id)
        if obj is None or obj["object"] != kind:
            # A bad id in the URL is a 404; a bad reference in the parameters a 400.
            status = 404 if param == "id" else 400
            message = f"No such {kind}: '{object_id}'"
            raise _ApiError(status, message, param=param, code="resource_missing")
        return obj

    def _retrieve(self, kind: str, params: Obj, object_id: str) -> Obj:
        return self._lookup(kind, object_id)

    def _assign(self, obj: Obj, params: Obj) -> None:
        """Copy the parameters that are fields of ``obj``; the others are accepted and ignored."""
        for key, value in params.items():
            if key == "metadata":
                self._merge_metadata(obj, value)
            elif key != "expand" and key in obj:
                obj[key] = value

    @staticmethod
    def _merge_metadata(obj: Obj, metadata: Obj | str) -> None:
        # An empty value unsets a key; an empty metadata unsets them all.
        if metadata == "":
            obj["metadata"] = {}
            return
        assert isinstance(metadata, dict)
        for key, value in metadata.items():
            if value == "":
                obj["metadata"].pop(key, None)
            else:
                obj["metadata"][key] = value

    def _create_customer(self, params: Obj) -> Obj:
        customer = self._store(
            "customer",
            {
                "address": None,
                "balance": 0,
                "currency": None,
                "default_source": None,
                "delinquent": False,
                "description": None,
                "email": None,
                "invoice_prefix": secrets.token_hex(4).upper(),
                "invoice_settings": {
                    "custom_fields": None,
                    "default_payment_method": None,
                    "footer": None,
                    "rendering_options": None,
                },
                "metadata": {},
                "name": None,
                "phone": None,
                "preferred_locales": [],
                "shipping": None,
                "tax_exempt": "none",
                "test_clock": None,
            },
        )
        self._assign(customer, params)
        return customer

    def _update_customer(self, params: Obj, object_id: str) -> Obj:
        customer = self._lookup("customer", object_id)
        self._assign(customer, params)
        return customer

    def _create_product(self, params: Obj) -> Obj:
        now = _now()
        product = self._store(
            "product",
            {
                "active": True,
                "default_price": None,
                "description": None,
                "images": [],
                "marketing_features": [],
                "metadata": {},
                "name": params["name"],
                "package_dimensions": None,
                "shippable": None,
                "statement_descriptor": None,
                "tax_code": None,
                "type": "service",
                "unit_label": None,
                "updated": now,
                "url": None,
            },
        )
        if "default_price" in params:
            self._lookup("price", params["default_price"], param="default_price")
        self._assign(product, {k: v for k, v in params.items() if k != "default_price_data"})
        if "default_price_data" in params:
            price_data = {**params["default_price_data"], "product": product["id"]}
            product["default_price"] = self._new_price(price_data, "default_price_data")["id"]
        return product

    def _update_product(self, params: Obj, object_id: str) -> Obj:
        product = self._lookup("product", object_id)
        if params.get("default_price"):
            price = self._lookup("price", params["default_price"], param="default_price")
            if price["product"] != product["id"]:
                message = f"The price `{price['id']}` is not associated with this product."
                raise _invalid(message, "default_price")
        self._assign(product, params)
        product["updated"] = _now()
        return product

    def _create_price(self, params: Obj) -> Obj:
        return self._new_price(params, "")

    def _new_price(self, params: Obj, path: str) -> Obj:
        """A price from price-create parameters (or Checkout's ``price_data``) found at ``path``."""
        product_id = params.get("product")
        if "product_data" in params:
            product_id = self._create_product(params["product_data"])["id"]
        elif product_id is None:
            message = "You must specify either `product` or `product_data` when creating a price."
            raise _invalid(message, _path(path, "product"))
        else:
            self._lookup("product", product_id, param=_path(path, "product"))
        unit_amount = params.get("unit_amount")
        if unit_amount is None and "unit_amount_decimal" in params:
            unit_amount = int(Decimal(params["unit_amount_decimal"]))
        tiered = params.get("billing_scheme") == "tiered" or "custom_unit_amount" in params
        if unit_amount is None and not tiered:
            raise _invalid(f"Missing required param: {_path(path, 'unit_amount')}.", path or None)
        recurring = params.get("recurring")
        price = self._store(
            "price",
            {
                "active": params.get("active", True),
                "billing_scheme": params.get("billing_scheme", "per_unit"),
                "currency": params["currency"].lower(),
                "custom_unit_amount": None,
                "lookup_key": params.get("lookup_key"),
                "metadata": {},
                "nickname": params.get("nickname"),
                "product": product_id,
                "recurring": recurring
                and {
                    "interval": recurring["interval"],
                    "interval_count": recurring.get("interval_count", 1),
                    "meter": None,
                    "trial_period_days": recurring.get("trial_period_days"),
                    "usage_type": recurring.get("usage_type", "licensed"),
                },
                "tax_behavior": params.get("tax_behavior", "unspecified"),
                "tiers_mode": None,
                "transform_quantity": None,
                "type": "recurring" if recurring else "one_time",
                "unit_amount": unit_amount,
                "unit_amount_decimal": None if unit_amount is None else str(unit_amount),
            },
        )
        self._merge_metadata(price, params.get("metadata", {}))
        return price

    def _update_price(self, params: Obj, object_id: str) -> Obj:
        price = self._lookup("price", object_id)
        self._assign(price, params)
        return price

    def _create_checkout_session(self, params: Obj) -> Obj:
        mode = params.get("mode")
        if mode is None:
            raise _invalid("Missing required param: mode.", "mode")
        if "customer" in params and "customer_email" in params:
            message = "You may only specify one of these parameters: customer, customer_email."
            raise _invalid(message, "customer_email")
        if "customer" in params:
            self._lookup("customer", params["customer"], param="customer")
        items = [
            self._checkout_item(line, i) for i, line in enumerate(params.get("line_items", []))
        ]
        recurring = [item for item in items if item["price"]["recurring"]]
        if mode in ("payment", "subscription") and not items:
            raise _invalid(f"`line_items` is required in `{mode}` mode.", "line_items")
        if mode == "subscription" and not recurring:
            message = "You must provide at least one recurring price in `subscription` mode."
            raise _invalid(message, "line_items")
        if mode == "payment" and recurring:
            message = (
                "You specified `payment` mode but passed a recurring price. Either switch to "
                "`subscription` mode or use only one-time prices."
            )
            raise _invalid(message, "line_items")
        total = sum(item["amount_total"] for item in items)
        # Stripe Tax, played at a fixed 20 % on the store's tax-inclusive prices.
        automatic_tax = params.get("automatic_tax", {}).get("enabled") is True
        if automatic_tax:
            for item in items:
                item["amount_tax"] = _inclusive_tax(item["amount_total"])
        tax = sum(item["amount_tax"] for item in items)
        session = self._store(
            "checkout.session",
            {
                "after_expiration": None,
                "allow_promotion_codes": params.get("allow_promotion_codes"),
                "amount_subtotal": total,
                "amount_total": total,
                "automatic_tax": {
                    "enabled": automatic_tax,
                    "liability": {"type": "self"} if automatic_tax else None,
                    "status": "complete" if automatic_tax else None,
                },
                "billing_address_collection": params.get("billing_address_collection"),
                "cancel_url": params.get("cancel_url"),
                "client_reference_id": params.get("client_reference_id"),
                "client_secret": None,
                "consent": None,
                "consent_collection": params.get("consent_collection"),
                "currency": items[0]["currency"] if items else params.get("currency"),
                "customer": params.get("customer"),
                "customer_creation": params.get(
                    "customer_creation", "if_required" if mode == "payment" else None
                ),
                "customer_details": None,
                "customer_email": params.get("customer_email"),
                "custom_text": params.get("custom_text"),
                "discounts": None,
                "expires_at": _now() + 24 * 3600,
                "invoice": None,
                "invoice_creation": mode == "payment"
                and {
                    "enabled": params.get("invoice_creation", {}).get("enabled") is True,
                    "invoice_data": {
                        "metadata": dict(
                            params.get("invoice_creation", {})
                            .get("invoice_data", {})
                            .get("metadata", {})
                        ),
                    },
                }
                or None,
                "locale": params.get("locale"),
                "metadata": {k: v for k, v in params.get("metadata", {}).items() if v != ""},
                "mode": mode,
                "payment_intent": None,
                "payment_method_types": params.get("payment_method_types", ["card"]),
                "payment_status": "no_payment_required" if mode == "setup" else "unpaid",
                "return_url": params.get("return_url"),
                "setup_intent": None,
                "status": "open",
                "submit_type": params.get("submit_type"),
                "subscription": None,
                "success_url": params.get("success_url"),
                "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": tax},
                "ui_mode": params.get("ui_mode", "hosted"),
                "url": None,
            },
        )
        session["url"] = f"{self.base_url}/pay/{session['id']}"
        self._session_items[session["id"]] = items
        self._session_params[session["id"]] = params
        return session

    def _checkout_item(self, line: Obj, index: int) -> Obj:
        path = f"line_items[{index}]"
        if "price" in line and "price_data" in line:
            raise _invalid("You may only specify one of these parameters: price, price_data.", path)
        if "price" in line:
            price = self._lookup("price", line["price"], param=f"{path}[price]")
            if not price["active"]:
                message = "The price specified is inactive. This field only accepts active prices."
                raise _invalid(message, f"{path}[price]")
        elif "price_data" in line:
            price = self._new_price(line["price_data"], f"{path}[price_data]")
        else:
            raise _invalid(f"You must specify either `price` or `price_data` in `{path}`.", path)
        if "quantity" not in line:
            raise _invalid(
                f"Quantity is required. Add `quantity` to `{path}`.", f"{path}[quantity]"
            )
        amount = (price["unit_amount"] or 0) * line["quantity"]
        return {
            "id": _new_id("item"),
            "object": "item",
            "amount_discount": 0,
            "amount_subtotal": amount,
            "amount_tax": 0,
            "amount_total": amount,
            "currency": price["currency"],
            "description": self._objects[price["product"]]["name"],
            "metadata": dict(line.get("metadata", {})),
            "price": price,
            "quantity": line["quantity"],
        }

    def _session_line_items(self, session: Obj) -> Obj:
        url = f"/v1/checkout/sessions/{session['id']}/line_items"
        return _list_object(url, self._snapshot(self._session_items[session["id"]]))

    def _list_session_line_items(self, params: Obj, object_id: str) -> Obj:
        return self._session_line_items(self._lookup("checkout.session", object_id))

    _SUBSCRIPTION_UPDATES = frozenset(
        {"cancel_at_period_end", "cancellation_details", "description", "expand", "metadata"}
    )

    def _update_subscription(self, params: Obj, object_id: str) -> Obj:
        subscription = self._lookup("subscription", object_id)
        unsupported = sorted(set(params) - self._SUBSCRIPTION_UPDATES)
        if unsupported:
            # Valid for Stripe, but silently ignoring it would make a test pass for nothing.
            message = f"StripeDouble does not implement `{unsupported[0]}` on subscription updates."
            raise _invalid(message, unsupported[0])
        if subscription["status"] == "canceled" and "cancel_at_period_end" in params:
            message = (
                "A canceled subscription can only update its cancellation_details and metadata."
            )
            raise _invalid(message, "cancel_at_period_end")
        before = self._snapshot(subscription)
        if "cancel_at_period_end" in params:
            self._set_cancel_at_period_end(subscription, params["cancel_at_period_end"])
        subscription["cancellation_details"].update(params.get("cancellation_details", {}))
        self._assign(
            subscription, {k: v for k, v in params.items() if k in ("description", "metadata")}
        )
        self._emit_updated(subscription, before)
        return subscription

    def _cancel_subscription(self, params: Obj, object_id: str) -> Obj:
        subscription = self._lookup("subscription", object_id)
        if subscription["status"] == "canceled":
            raise _invalid(f"The subscription {object_id} is already canceled.", "id")
        subscription["cancellation_details"].update(params.get("cancellation_details", {}))
        self._end_subscription(subscription)
        self._emit("customer.subscription.deleted", subscription)
        return subscription

    def _create_portal_session(self, params: Obj) -> Obj:
        if "customer" not in params:
            raise _invalid("Missing required param: customer.", "customer")
        self._lookup("customer", params["customer"], param="customer")
        session = self._store(
            "billing_portal.session",
            {
                "configuration": params.get("configuration", "bpc_test_default"),
                "customer": params["customer"],
                "customer_account": None,
                "flow": None,
                "locale": params.get("locale"),
                "on_behalf_of": params.get("on_behalf_of"),
                "return_url": params.get("return_url"),
                "url": None,
            },
        )
        session["url"] = f"{self.base_url}/portal/{session['id']}"
        return session

    # --- Rendering -------------------------------------------------------------------------------

    def _snapshot(self, value: Any) -> Any:
        """A deep copy for output; embedded prices show their current state, as on Stripe."""
        if isinstance(value, list):
            return [self._snapshot(item) for item in value]
        if isinstance(value, dict):
            if value.get("object") == "price" and value.get("id") in self._objects:
                value = self._objects[value["id"]]
            return {key: self._snapshot(item) for key, item in value.items()}
        return value

    def _render(self, obj: Obj, expand: list[str]) -> Obj:
        data = self._snapshot(obj)
        for path in expand:
            self._expand(data, path.split("."), path)
        return data

    def _expand(self, node: Any, segments: list[str], path: str) -> None:
        """Replace the id at ``segments`` (a dotted ``expand[]`` path) by its object."""
        if isinstance(node, list):  # "line_items.data.price.product" goes through each item
            for item in node:
                self._expand(item, segments, path)
            return
        cannot = _invalid(f"This property cannot be expanded ({path}).", "expand")
        if not isinstance(node, dict):
            raise cannot
        key, rest = segments[0], segments[1:]
        if key == "line_items" and node.get("object") == "checkout.session":
            node[key] = self._session_line_items(node)  # not a field until expanded
        elif key not in node:
            raise cannot
        elif isinstance(node[key], str) and node[key] in self._objects:
            node[key] = self._snapshot(self._objects[node[key]])
        elif node[key] is None:
            return
        elif not rest:
            raise cannot
        if rest:
            self._expand(node[key], rest, path)

    # --- Serving ---------------------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        pairs = parse_qsl(body if handler.command == "POST" else url.query, keep_blank_values=True)
        record = RecordedRequest(handler.command, url.path, {}, dict(handler.headers.items()))
        decode_error = None
        try:
            record.params = _decode_params(pairs)
        except _ApiError as error:
            record.params, decode_error = dict(pairs), error
        with self._lock:
            self.requests.append(record)
        if url.path.startswith("/v1/"):
            response = self._api(record, decode_error)
        else:
            response = self._page(record)
        record.status = response.status
        if response.hold:
            self._closing.wait(self.timeout_delay)
        try:
            handler.send_response(response.status)
            for name, value in response.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(response.body)))
            handler.end_headers()
            handler.wfile.write(response.body)
        except OSError:
            pass  # the client gave up (an injected timeout): nobody is left to answer

    def _api(self, record: RecordedRequest, decode_error: _ApiError | None) -> _Response:
        fault = self._take_fault(record.method, record.path)
        if fault is not None and not (fault.timeout or fault.without):
            record.response = fault.body
            return _json_response(fault.status, fault.body)
        replayed = False
        try:
            self._authenticate(record)
            if decode_error is not None:
                raise decode_error
            route, path_ids = self._match(record.method, record.path)
            data, replayed = self._execute(route, path_ids, record)
            status = 200
        except _ApiError as error:
            status, data = error.status, error.body
        if fault is not None and fault.without and status == 200:
            data = {key: value for key, value in data.items() if key != fault.without}
        record.response = data
        response = _json_response(status, data)
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        response.hold = fault is not None and fault.timeout  # done, but answered too late
        return response

    def _authenticate(self, record: RecordedRequest) -> None:
        scheme, _, key = (record.header("Authorization") or "").partition(" ")
        if scheme != "Bearer" or not key:
            message = (
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY')."
            )
            raise _ApiError(401, message)
        if not key.startswith("sk_test_"):
            raise _ApiError(401, f"Invalid API Key provided: {key[:8]}****{key[-4:]}")

    def _execute(
        self, route: _Route, path_ids: dict[str, str], record: RecordedRequest
    ) -> tuple[Obj, bool]:
        """Run a route under the state lock; the answer and whether it is an idempotent replay."""
        key = record.header("Idempotency-Key") if record.method == "POST" else None
        with self._lock:
            if key is not None and key in self._replays:
                stored = self._replays[key]
                if (stored.method, stored.path, stored.params) != (
                    record.method,
                    record.path,
                    record.params,
                ):
                    message = (
                        "Keys for idempotent requests can only be used with the same parameters "
                        f"they were first used with. Try using a key other than '{key}' if you "
                        "meant to execute a different request."
                    )
                    raise _ApiError(400, message, error_type="idempotency_error")
                return copy.deepcopy(stored.response), True
            params = _validate_params(route.params, record.params)
            obj = route.action(params, **path_ids)
            data = self._render(obj, params.get("expand", []))
            # Like Stripe, only requests that ran are replayed; rejected ones can be retried.
            if key is not None:
                self._replays[key] = _Replay(
                    record.method, record.path, record.params, copy.deepcopy(data)
                )
            return data, False

    def _page(self, record: RecordedRequest) -> _Response:
        invoice_page = re.fullmatch(r"/invoice/(in_[^/.]+)(\.pdf)?", record.path)
        if invoice_page is not None:
            return self._invoice_page(*invoice_page.groups())
        match = re.fullmatch(r"/(pay|portal)/([^/]+)", record.path)
        if match is None:
            return _html_response(404, "Not found", "<p>StripeDouble has no such page.</p>")
        page, object_id = match.groups()
        if page == "pay" and record.method == "POST":
            code = record.params.get("promotion_code")
            return self._pay(object_id, code.strip() if isinstance(code, str) else None)
        if record.method != "GET":
            return _html_response(405, "Method not allowed", "")
        with self._lock:
            kind = "checkout.session" if page == "pay" else "billing_portal.session"
            obj = self._objects.get(object_id)
            if obj is None or obj["object"] != kind:
                return _html_response(404, "Not found", f"<p>No such {kind}.</p>")
            obj = self._snapshot(obj)
            items = self._snapshot(self._session_items.get(object_id, []))
        return self._checkout_page(obj, items) if page == "pay" else self._portal_page(obj)

    def _checkout_page(self, session: Obj, items: list[Obj]) -> _Response:
        title = "Stripe test checkout"
        if session["status"] != "open":
            link = html.escape(session["success_url"] or "/", quote=True)
            return _html_response(
                200, title, f'<p>Paiement déjà effectué. <a href="{link}">Retour</a></p>'
            )
        rows = "".join(
            f"<li>{item['quantity']} × {html.escape(item['description'])} : "
            f"{_format_amount(item['amount_total'], item['currency'])}</li>"
            for item in items
        )
        total = _format_amount(session["amount_total"], session["currency"])
        cancel = ""
        if session["cancel_url"]:
            cancel = (
                f'<p><a href="{html.escape(session["cancel_url"], quote=True)}">Annuler</a></p>'
            )
        # Like Stripe: the terms box (consent_collection) and custom_text.submit above the button.
        terms = ""
        if (session["consent_collection"] or {}).get("terms_of_service") == "required":
            terms = (
                '<p><label><input type="checkbox" name="terms_of_service" required> '
                "J’accepte les conditions d’utilisation</label></p>"
            )
        message = ((session["custom_text"] or {}).get("submit") or {}).get("message")
        submit_text = f'<p class="submit-message">{html.escape(message)}</p>' if message else ""
        trial_days = (
            self._session_params.get(session["id"], {})
            .get("subscription_data", {})
            .get("trial_period_days")
        )
        trial = f'<p class="trial">Essai gratuit de {trial_days} jours</p>\n' if trial_days else ""
        promotion = ""
        if session["allow_promotion_codes"]:
            promotion = (
                '<p><label>Code promo <input name="promotion_code" autocomplete="off"></label></p>'
            )
        content = (
            f"<ul>{rows}</ul>\n{trial}"
            f'<p>Total : <strong class="amount">{total}</strong></p>\n'
            f'<form method="post" action="/pay/{session["id"]}">{terms}{promotion}{submit_text}'
            '<button type="submit">Payer</button></form>\n'
            f"{cancel}"
        )
        return _html_response(200, title, content)

    def _invoice_page(self, invoice_id: str, pdf: str | None) -> _Response:
        """Stripe's hosted invoice page (``/invoice/<id>``) and its PDF (``….pdf``)."""
        with self._lock:
            invoice = self._objects.get(invoice_id)
            if invoice is None or invoice["object"] != "invoice":
                return _html_response(404, "Not found", "<p>No such invoice.</p>")
            invoice = self._snapshot(invoice)
        amount = _format_amount(invoice["total"], invoice["currency"])
        if pdf:
            body = _invoice_pdf(f"Facture {invoice['number']} - {amount}")
            return _Response(200, body, {"Content-Type": "application/pdf"})
        status = "Payée" if invoice["status"] == "paid" else "À payer"
        content = (
            f'<p>Facture <strong class="invoice-number">{html.escape(invoice["number"])}</strong>'
            f"</p>\n"
            f'<p>Montant : <strong class="amount">{amount}</strong> ({status})</p>\n'
            f'<p><a href="/invoice/{invoice["id"]}.pdf">Télécharger la facture (PDF)</a></p>'
        )
        return _html_response(200, "Stripe test invoice", content)

    def _portal_page(self, portal: Obj) -> _Response:
        link = html.escape(portal["return_url"] or "/", quote=True)
        content = (
            f"<p>Client : {html.escape(portal['customer'])}</p>\n"
            f'<p><a href="{link}">Retour au site</a></p>'
        )
        return _html_response(200, "Stripe test customer portal", content)

    def _pay(self, session_id: str, promotion_code: str | None = None) -> _Response:
        """The hosted page's "Payer" button: complete, deliver the webhooks, go to success_url."""
        with self._lock:
            session = self._objects.get(session_id)
            if session is None or session["object"] != "checkout.session":
                return _html_response(404, "Not found", "<p>No such checkout.session.</p>")
            events = []
            if session["status"] == "open":
                try:
                    events = self.complete_checkout(session_id, promotion_code=promotion_code)
                except ValueError as error:  # an unknown code, typed on the page
                    return _html_response(
                        400, "Stripe test checkout", f"<p>{html.escape(str(error))}</p>"
                    )
            success_url = session["success_url"]
        # Outside the lock: the application's webhook handler may call the double back.
        if events and self.webhook_url and self.webhook_secret:
            self.deliver(events)
        if not success_url:
            return _html_response(200, "Stripe test checkout", "<p>Paiement effectué.</p>")
        location = success_url.replace("{CHECKOUT_SESSION_ID}", session_id)
        return _Response(303, b"", {"Location": location})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture
def stripe_double() -> Iterator[StripeDouble]:
    """A running StripeDouble, closed after the test."""
    with StripeDouble() as double:
        yield double
