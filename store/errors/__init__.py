"""Error pages in the site's look. A 500 rolls the database session back."""

import logging

from flask import Flask, current_app, make_response, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import Conflict, HTTPException, InternalServerError

from store.extensions import db

logger = logging.getLogger(__name__)


def _titles() -> dict[int, str]:
    return {
        400: _("This request could not be understood"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("This action is not allowed here"),
        409: _("This action arrived twice at once"),
        413: _("What you sent is too large"),
        429: _("Too many requests"),
        500: _("Something went wrong on our side"),
        503: _("The store is briefly unavailable"),
    }


def _explanations() -> dict[int, str]:
    return {
        400: _("Something in what was sent is not valid. Go back, check the form and try again."),
        403: _("Log in with an account that may see it, or go back to the front page."),
        404: _("The page you are looking for does not exist or is no longer published."),
        405: _("Use the buttons on the site rather than typing this address."),
        409: _(
            "The same action arrived twice at once (a double click, another tab), and the "
            "other one was saved first. Reload the page to see where things stand."
        ),
        413: _("Send something smaller and try again."),
        429: _("Wait a minute before you try again."),
        500: _("The error has been logged. Your cart is safe; please try again in a moment."),
        503: _("Nothing was saved. Your cart is safe; please try again in a moment."),
    }


def render_error(code: int, explanation: str | None = None, title: str | None = None):
    """Render the error page for `code`."""
    title = title or _titles().get(code, _("Error"))
    if request_ctx.url_adapter is None:
        # A request Flask could not route at all (a Host outside TRUSTED_HOSTS): no link can
        # be built for the page, so the answer is its title in plain text.
        return current_app.response_class(f"{title}\n", mimetype="text/plain"), code
    template = "errors/404.html" if code == 404 else "errors/error.html"
    return (
        render_template(
            template,
            code=code,
            title=title,
            explanation=explanation or _explanations().get(code, ""),
        ),
        code,
    )


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        logger.info("CSRF check failed: %s", error.description)
        return render_error(
            400,
            _(
                "Your form has expired or was not sent from this site. Reload the page and try "
                "again; nothing was changed."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError):
            return server_error(error)
        if request.path.startswith("/api/"):
            # Errors raised before the API's own handlers run (no such route, wrong method).
            from store.api.views import json_error

            response = json_error(error)
        else:
            page, code = render_error(error.code or 500)
            response = make_response(page, code)
        # What the error says about itself (Allow on a 405, WWW-Authenticate…).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        if response.status_code == 429:
            response.headers.setdefault("Retry-After", "60")
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        return render_error(500)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        # The database refused or dropped the request: undo everything, say so, let the
        # next request start clean.
        db.session.rollback()
        logger.error("database unavailable: %s", error.orig.__class__.__name__)
        response = render_error(503)
        return response[0], 503, {"Retry-After": "30"}

    @app.errorhandler(IntegrityError)
    def conflict(error: IntegrityError):
        # A concurrent request (a double click, another tab, Stripe's webhook beside the
        # customer's return) stored the same unique row first. The views where it can happen
        # answer it themselves where they can say more; nothing reaches a 500 either way.
        # Any other integrity error (NOT NULL, a foreign key, a CHECK) is a bug: a 500, logged
        # with its traceback.
        db.session.rollback()
        if not is_unique_violation(error):
            logger.error("integrity error", exc_info=error)
            return server_error(error)
        logger.warning("conflict with a concurrent request: %s", error.orig.__class__.__name__)
        if request.path.startswith("/api/"):
            from store.api.views import json_error

            return json_error(Conflict(_titles()[409]))
        return render_error(409)


def is_unique_violation(error: IntegrityError) -> bool:
    """Whether the database refused a row because another holds the same unique value
    (PostgreSQL's SQLSTATE 23505; SQLite's "UNIQUE constraint failed")."""
    orig = error.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)
