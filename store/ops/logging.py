"""Logs a person can follow: one line per event, each with the request id (and the order
number once a request deals with an order)."""

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(order)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(order)s"


class RequestContextFilter(logging.Filter):
    """Stamp every record with the current request id and order number ("-" outside)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            record.order = g.get("order_number", "-")
        else:
            record.request_id = getattr(record, "request_id", "-")
            record.order = getattr(record, "order", "-")
        return True


def tag_order(number: str) -> None:
    """Mark the rest of this request's log lines with an order number."""
    if has_request_context():
        g.order_number = number


def configure_logging(app: Flask) -> None:
    """One handler on the root logger, JSON in production, text in development."""
    root = logging.getLogger()
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    if any(getattr(handler, "_store_handler", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler()
    handler._store_handler = True  # type: ignore[attr-defined]
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestContextFilter())
    root.addHandler(handler)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def register_request_id(app: Flask) -> None:
    """Give each request an id (the proxy's X-Request-ID when sane) and echo it back."""

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex[:16]

    @app.after_request
    def echo_request_id(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response
