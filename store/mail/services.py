"""Queue a message: render it now, in the customer's language, and write it to the outbox.

Services flush; the caller commits, so a message exists exactly when its cause does.
"""

import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.dialects import postgresql, sqlite

from store.extensions import db
from store.i18n import PREFIXES
from store.mail.models import OutboxMessage

logger = logging.getLogger(__name__)

#: languages a message can be written in; anything else gets French
LANGUAGES = ("fr", "en")


def _render(name: str, context: dict) -> str:
    # Not render_template: the site's context processors (the visitor's cart, the page's
    # canonical URL…) belong to the page, and loading the cart here would leave a stale copy
    # for the page the same request renders next.
    return current_app.jinja_env.get_template(name).render(context)


def _link_in(language: str, value):
    """A link to the site (`value`) leading to its page in `language`: the caller built it
    in the language of the request that queued the message (a webhook's is French)."""
    public_url = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if not public_url or not isinstance(value, str) or not value.startswith(public_url + "/"):
        return value
    path = value[len(public_url) :]
    for prefix in PREFIXES.values():
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            path = path[len(prefix) :] or "/"
    return public_url + PREFIXES[language] + path


def render_message(template: str, locale: str, **context) -> tuple[str, str, str]:
    """Subject, plain text and HTML of `templates/mail/<template>.*` in `locale`."""
    language = locale if locale in LANGUAGES else LANGUAGES[0]
    context = {
        "site_name": current_app.config["SITE_NAME"],
        "current_locale": language,
        **{name: _link_in(language, value) for name, value in context.items()},
    }
    with force_locale(language):
        subject = _render(f"mail/{template}.subject.txt", context)
        text = _render(f"mail/{template}.txt", context)
        html = _render(f"mail/{template}.html", context)
    return " ".join(subject.split()), text.strip() + "\n", html


def queue_message(
    key: str, to: str, template: str, *, locale: str = "fr", **context
) -> OutboxMessage | None:
    """Write one message for `key` to the outbox (None if that cause already has one)."""
    if db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.key == key)):
        return None
    subject, text, html = render_message(template, locale, **context)
    # INSERT … ON CONFLICT DO NOTHING: a concurrent request queuing the same cause adds
    # nothing, and the caller's transaction goes on. (A savepoint would not do: on SQLite,
    # releasing one opened before any write commits the caller's transaction.)
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    message = db.session.scalar(
        insert(OutboxMessage)
        .values(
            key=key,
            kind=template,
            to_address=to,
            subject=subject,
            text_body=text,
            html_body=html,
        )
        .on_conflict_do_nothing(index_elements=[OutboxMessage.key])
        .returning(OutboxMessage)
    )
    if message is None:
        logger.info("mail %s already queued", key)
        return None
    logger.info("mail %s queued for %s", key, to)
    return message
