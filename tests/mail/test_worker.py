"""The sending worker: in the web process for `make run`, or `flask store send-mail`."""

import threading
import time

import pytest

from store.mail.sender import WORKER_THREAD
from tests.mail.test_outbox import queue


@pytest.fixture
def app_config():
    # as `make run` has it, polling fast so the test waits little
    return {"MAIL_WORKER_IN_PROCESS": True, "MAIL_POLL_SECONDS": 0.1}


def worker_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == WORKER_THREAD]


def test_make_run_sends_queued_messages_without_a_second_process(app, db, client, smtp_server):
    assert worker_threads() == []  # nothing sends before the app serves
    try:
        assert client.get("/").status_code == 200
        assert len(worker_threads()) == 1
        client.get("/")
        assert len(worker_threads()) == 1  # one thread, however many requests

        queue(app, "cause:in-process", "lecteur@example.org")
        db.session.commit()
        deadline = time.monotonic() + 5
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [message["To"] for message in smtp_server.messages] == ["lecteur@example.org"]
    finally:
        app.extensions["mail_worker_stop"].set()
        for thread in worker_threads():
            thread.join(timeout=5)
    assert worker_threads() == []


def test_send_mail_once_sends_what_is_due_and_stops(app, db, runner, smtp_server):
    queue(app, "cause:cli-1", "un@example.org")
    queue(app, "cause:cli-2", "deux@example.org")
    db.session.commit()

    result = runner.invoke(args=["store", "send-mail", "--once"])

    assert result.exit_code == 0, result.output
    assert "2 message(s) sent." in result.output
    assert sorted(message["To"] for message in smtp_server.messages) == [
        "deux@example.org",
        "un@example.org",
    ]
    result = runner.invoke(args=["store", "send-mail", "--once"])
    assert "0 message(s) sent." in result.output and len(smtp_server.messages) == 2
