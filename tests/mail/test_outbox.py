"""The outbox: a message exists exactly when its cause does, and reaches the reader once.

Messages go to a real SMTP server on 127.0.0.1 (`smtp_server`, tests/mail_server.py), or to
.eml files when no server is configured, as with `make run`.
"""

import email
import logging
import re
from datetime import timedelta
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa

from store.database import utcnow
from store.mail import sender
from store.mail.models import OutboxMessage
from store.mail.sender import send_due
from store.mail.services import queue_message

#: any absolute address written in a message
URL = re.compile(r"https?://[^\s\"'<>)]+")


def queue(app, key: str, to: str = "lecteur@example.org", *, locale: str = "fr", **request):
    """Queue one message the way a request does (url_for needs one), with a real template."""
    with app.test_request_context("/", **request):
        return queue_message(
            key,
            to,
            "comment_pending",
            locale=locale,
            article_title="Un article",
            author_name="Camille",
            comment_body="Très bon article.",
            action_url=app.url_for("admin.comments", _external=True),
            action_label="Modérer",
        )


def outbox(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def parts(message) -> tuple[str, str]:
    """The plain-text and HTML bodies of a received message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_one_cause_queues_one_message(app, db):
    first = queue(app, "order-paid:GA-1")
    second = queue(app, "order-paid:GA-1", to="autre@example.org")
    db.session.commit()

    assert first is not None and second is None
    assert [(m.key, m.to_address) for m in outbox(db)] == [
        ("order-paid:GA-1", "lecteur@example.org")
    ]


def test_a_message_exists_only_if_its_transaction_commits(app, db):
    queue(app, "cause:rolled-back")
    db.session.rollback()
    assert outbox(db) == []

    queue(app, "cause:committed")
    db.session.commit()
    assert [m.key for m in outbox(db)] == ["cause:committed"]


def test_a_message_arrives_as_text_with_an_html_alternative(app, db, smtp_server):
    app.config["MAIL_SENDER"] = "GPT Actu <no-reply@gpt-actu.example>"
    queue(app, "cause:1", "admin@example.org", locale="en")
    db.session.commit()

    assert send_due() == 1

    [received] = smtp_server.messages
    assert received["From"] == "GPT Actu <no-reply@gpt-actu.example>"
    assert received["To"] == "admin@example.org"
    assert received["Subject"] == "A comment awaits moderation: Un article"
    assert received.get_content_type() == "multipart/alternative"
    text, html = parts(received)
    assert "Camille commented on “Un article”" in text
    assert "Très bon article." in text and "Très bon article." in html
    assert "<html" in html and "<html" not in text
    assert [m.sent_at is not None for m in outbox(db)] == [True]


def test_messages_load_nothing_from_the_web_and_link_only_to_the_public_url(app, db, smtp_server):
    # the request that queues the message came with another Host: it must not leak into links
    queue(app, "cause:host", base_url="http://attacker.example")
    queue(app, "cause:header", headers={"Host": "attacker.example", "X-Forwarded-Host": "x.test"})
    db.session.commit()
    send_due()

    assert len(smtp_server.messages) == 2
    for received in smtp_server.messages:
        text, html = parts(received)
        assert not re.search(r"<img[^>]*src=[\"']?(https?:)?//", html, re.IGNORECASE)
        assert "url(" not in html  # no background image either
        urls = URL.findall(text) + URL.findall(html)
        assert "http://localhost/admin/comments" in urls
        assert all(url.startswith("http://localhost/") for url in urls), urls


def test_without_an_smtp_server_a_message_is_written_to_an_eml_file_and_logged(
    app, db, tmp_path, caplog
):
    app.config.update(MAIL_SERVER=None, MAIL_OUTBOX_FOLDER=str(tmp_path / "outbox"))
    queue(app, "cause:local", "lecteur@example.org")
    db.session.commit()

    with caplog.at_level(logging.INFO, logger="store.mail.sender"):
        assert send_due() == 1

    [path] = (tmp_path / "outbox").glob("*.eml")
    assert str(path) in caplog.text
    raw = path.read_text(encoding="utf-8")  # read by a person: links and accents as written
    assert "\nhttp://localhost/admin/comments\n" in raw and "Très bon article." in raw
    written = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert written["To"] == "lecteur@example.org"
    text, _html = parts(written)
    assert "http://localhost/admin/comments" in text
    assert outbox(db)[0].sent_at is not None


def test_with_the_smtp_server_down_messages_wait_then_go_out_once(
    app, db, smtp_server, monkeypatch
):
    for number in range(3):
        queue(app, f"cause:{number}", f"lecteur{number}@example.org")
    db.session.commit()
    smtp_server.stop()

    before = utcnow()
    assert send_due() == 0

    waiting = outbox(db)
    assert len(waiting) == 3 and all(m.sent_at is None for m in waiting)  # nothing lost
    [tried] = [m for m in waiting if m.attempts]
    assert tried.attempts == 1
    assert tried.next_attempt_at >= before + timedelta(seconds=30)  # it backs off
    assert "Connection" in tried.last_error
    # the others were not hammered against a server that is down: they wait their turn
    assert sorted(m.attempts for m in waiting) == [0, 0, 1]

    smtp_server.start()
    # not yet due: the failed one waits out its backoff
    sent_now = send_due()
    assert tried.to_address not in [m["To"] for m in smtp_server.messages]
    assert sent_now == 2

    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(sender, "utcnow", lambda: later)
    assert send_due() == 1

    received = sorted(m["To"] for m in smtp_server.messages)
    assert received == [f"lecteur{number}@example.org" for number in range(3)]
    assert all(m.sent_at is not None for m in outbox(db))
    assert send_due() == 0 and len(smtp_server.messages) == 3


@pytest.mark.parametrize("attempts, wait", [(1, 30), (2, 60), (3, 120), (20, 3600)])
def test_each_failure_waits_longer_up_to_an_hour(attempts, wait):
    assert sender.backoff(attempts) == timedelta(seconds=wait)
