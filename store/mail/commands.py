"""`flask store send-mail`: the outbox worker as its own process (production)."""

import threading

import click
from flask import current_app

from store.mail.sender import run_worker, send_due
from store.seed import store_cli


@store_cli.command("send-mail")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
def send_mail(once: bool) -> None:
    """Send the outbox: retries with backoff; several workers may run at once."""
    if once:
        click.echo(f"{send_due(limit=1000)} message(s) sent.")
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    try:
        run_worker(app, poll_seconds=app.config["MAIL_POLL_SECONDS"], stop=stop)
    except KeyboardInterrupt:
        stop.set()
