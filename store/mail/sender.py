"""Send what the outbox holds: to the SMTP server, or (no server configured) to .eml files.

A worker claims a due message before sending it: it picks one no other worker holds
(`FOR UPDATE SKIP LOCKED` on PostgreSQL) and pushes its next attempt past the time a send can
take, in a transaction of its own. So several workers share the outbox, each message goes out
once, and no database lock is held while the SMTP server answers. A failure is retried later,
waiting longer each time.
"""

import logging
import smtplib
import ssl
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from store.database import utcnow
from store.extensions import db
from store.mail.models import OutboxMessage

logger = logging.getLogger(__name__)

#: the longest wait between two tries of one message
MAX_BACKOFF = timedelta(hours=1)
#: the name of the thread that sends the outbox inside the web process (`make run`)
WORKER_THREAD = "mail-worker"
#: how long a claimed message stays with its worker: far longer than an SMTP exchange bounded
#: by MAIL_TIMEOUT_SECONDS takes; after that (the worker died mid-send) another one retries it
CLAIM = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failure: 30 s, 1 min, 2 min, … at most an hour."""
    return min(timedelta(seconds=30 * 2 ** (attempts - 1)), MAX_BACKOFF)


def build_email(message: OutboxMessage) -> EmailMessage:
    """The MIME message: plain text with an HTML alternative."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=str(message.id), domain=config["MAIL_DOMAIN"])
    # An .eml file (no SMTP server) is read by a person: 8bit keeps its text and long links as
    # written, where quoted-printable would cut a reset link across lines.
    encoding = None if config.get("MAIL_SERVER") else "8bit"
    email.set_content(message.text_body, cte=encoding)
    email.add_alternative(message.html_body, subtype="html", cte=encoding)
    return email


def deliver(email: EmailMessage) -> str:
    """Hand the message over; returns where it went (for the log). Raises on failure."""
    config = current_app.config
    server = config.get("MAIL_SERVER")
    if not server:
        folder = Path(config["MAIL_OUTBOX_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{email['Message-ID'].strip('<>').split('@')[0]}.eml"
        path.write_bytes(bytes(email))
        return str(path)
    port, timeout = config["MAIL_PORT"], config["MAIL_TIMEOUT_SECONDS"]
    smtp: smtplib.SMTP
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(server, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(server, port, timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(email)
    return f"{server}:{port}"


def claim_next() -> OutboxMessage | None:
    """The next due message, now this worker's alone to send (None when nothing is due)."""
    while True:
        now = utcnow()
        due = sa.and_(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        message = db.session.scalar(
            sa.select(OutboxMessage)
            .where(due)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if message is None:
            db.session.commit()
            return None
        # Conditional: SQLite has no row locks, so another worker may have read the same row;
        # the one whose update finds it still due owns it.
        claimed = db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message.id, due)
            .values(next_attempt_at=now + CLAIM)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return message


def send_due(limit: int = 20) -> int:
    """Send up to `limit` due messages, each claimed first; returns how many went out."""
    sent = 0
    for _ in range(limit):
        message = claim_next()
        if message is None:
            break
        try:
            where = deliver(build_email(message))
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.next_attempt_at = utcnow() + backoff(message.attempts)
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            db.session.commit()
            logger.warning(
                "mail %s to %s failed (attempt %d, next at %s): %s",
                message.key,
                message.to_address,
                message.attempts,
                message.next_attempt_at.isoformat(timespec="seconds"),
                error,
            )
            break  # the server is likely down: the others wait for the next round
        message.sent_at = utcnow()
        message.last_error = ""
        db.session.commit()
        sent += 1
        logger.info("mail %s sent to %s via %s", message.key, message.to_address, where)
    return sent


def run_worker(app: Flask, *, poll_seconds: float, stop: threading.Event) -> None:
    """Send the outbox every `poll_seconds` until `stop` is set."""
    while not stop.is_set():
        with app.app_context():
            try:
                send_due()
            except Exception:  # a broken round must not end the worker
                logger.exception("mail worker round failed")
                db.session.rollback()
            finally:
                db.session.remove()
        stop.wait(poll_seconds)


def start_in_process_worker(app: Flask) -> threading.Event:
    """Run the worker in a thread of this process (`make run`: no second process to start)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker,
        args=(app,),
        kwargs={"poll_seconds": app.config["MAIL_POLL_SECONDS"], "stop": stop},
        name=WORKER_THREAD,
        daemon=True,
    )
    thread.start()
    logger.info("mail worker running in this process (every %ss)", app.config["MAIL_POLL_SECONDS"])
    return stop
