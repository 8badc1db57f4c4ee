"""Several workers share one outbox: each message goes out once.

On PostgreSQL (TEST_DATABASE_URL) the workers really race for rows (FOR UPDATE SKIP LOCKED);
on SQLite they take turns at the database's write lock. Either way no message is sent twice.
"""

import threading
from collections import Counter

import sqlalchemy as sa

from store.extensions import db as _db
from store.mail.models import OutboxMessage
from store.mail.sender import send_due
from tests.mail.test_outbox import queue

WORKERS = 4
MESSAGES = 20


def test_several_workers_send_each_message_once(app, db, smtp_server):
    for number in range(MESSAGES):
        queue(app, f"cause:{number}", f"lecteur{number}@example.org")
    db.session.commit()

    start = threading.Barrier(WORKERS)
    sent: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        # its own app context: its own database session and connection, as a separate process
        with app.app_context():
            try:
                start.wait()
                while count := send_due(limit=3):
                    sent.append(count)
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    received = Counter(message["To"] for message in smtp_server.messages)
    assert received == Counter(f"lecteur{number}@example.org" for number in range(MESSAGES))
    assert sum(sent) == MESSAGES
    db.session.expire_all()
    unsent = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None)))
    assert unsent == 0
