"""Every command the README shows works as written, on a fresh clone, after `make run`.

The commands are read from README.md's shell code blocks: each line that runs the project's
own tools (`.venv/bin/…` or `make …`, perhaps after `NAME=value` settings) is run with bash in
a copy of the repository that holds only what git does (no `.env`, no `instance/`), from a
shell that exports none of the store's settings, in the README's order. Lines that call other
tools (`stripe`, `curl`, `pg_dump`, `export`) are not the store's commands and are not run.
"""

import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.ops.fresh_clone import ROOT, fresh_clone, share_virtualenv

#: commands not run as a step, and why; a command the README gains must be runnable or listed
NOT_RUN = {
    "make run": "serves until stopped: it is started first, asked for a page, then stopped",
    "make test": "runs this very suite",
    "make lint": "make test runs it before this suite (and mypy alone takes ~40 s)",
    ".venv/bin/gunicorn": "the production server, run with the exports above it (PostgreSQL, "
    "Redis for several workers): tests/ops/test_workers.py starts it",
}
#: commands that run until stopped, run here with an option that makes them stop, and why
RUN_WITH = {
    ".venv/bin/flask --app app store send-mail": (
        "--once",
        "the outbox worker sends until stopped; --once sends what is due and stops",
    ),
}
#: what the README's `…` placeholders (a password, a migration message) stand for here
PLACEHOLDER = "readme-check-1234"
#: what a hidden prompt reads (create-admin asks for the password twice)
STDIN = f"{PLACEHOLDER}\n{PLACEHOLDER}\n"
#: the settings the README has put into .env before a command (Stripe: the test double)
STRIPE_COMMANDS = (".venv/bin/flask --app app store sync-stripe",)


def readme_commands() -> list[str]:
    """The store's command lines in README.md's shell code blocks, in order."""
    commands, language = [], None
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            language = stripped[3:].strip() if language is None else None
            continue
        if language not in ("sh", "bash", "shell", "console"):
            continue
        stripped = stripped.removeprefix("$ ")
        if command_name(stripped).startswith((".venv/bin/", "make ")):
            commands.append(stripped)
    return commands


def command_name(line: str) -> str:
    """The command of a line, without leading `NAME=value` settings or a trailing comment."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return ""
    while words and "=" in words[0] and not words[0].startswith(("-", ".", "/")):
        words.pop(0)
    return " ".join(words)


def skip_reason(line: str) -> str | None:
    name = command_name(line)
    return next((why for start, why in NOT_RUN.items() if name.startswith(start)), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shell_env(home: Path, **extra: str) -> dict:
    """A developer's shell on a fresh machine: PATH and a locale, none of the store's settings."""
    home.mkdir(exist_ok=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    if "TMPDIR" in os.environ:
        env["TMPDIR"] = os.environ["TMPDIR"]
    return env | extra


def run_line(line: str, clone: Path, env: dict) -> subprocess.CompletedProcess:
    # A session of its own: no terminal, so a hidden prompt reads the piped stdin.
    return subprocess.run(
        ["bash", "-c", line.replace("…", PLACEHOLDER)],
        cwd=clone,
        env=env,
        input=STDIN,
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True,
    )


def start_make_run(clone: Path, env: dict, log: Path) -> str:
    """`make run` as the README says, on a free port; returns its address once a page answers."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            ["bash", "-c", f"PORT={port} make run"],
            cwd=clone,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if requests.get(f"{base}/shop", timeout=2).status_code == 200:
                    return base
            except requests.RequestException:
                time.sleep(0.5)
        pytest.fail("`make run` did not serve the shop:\n" + log.read_text())
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # make and the server it started
            process.wait(timeout=30)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_every_readme_command_works_on_a_fresh_clone_after_make_run(tmp_path, stripe_double):
    commands = readme_commands()
    names = [command_name(line) for line in commands]
    # the extraction itself works: the commands the owner needs first are found
    assert "make run" in names
    assert any(name.endswith("store create-admin you@example.org") for name in names), names
    assert any(name.endswith("store sync-stripe") for name in names), names
    assert set(RUN_WITH) <= set(names), names  # the outbox worker, run here with --once

    clone = fresh_clone(tmp_path / "clone")
    share_virtualenv(clone)
    env = shell_env(tmp_path / "home")
    start_make_run(clone, env, tmp_path / "make-run.log")

    failures, ran = [], []
    for line in commands:
        if skip_reason(line):
            continue
        line_env = env
        if command_name(line) in STRIPE_COMMANDS:
            line_env = env | {
                "STRIPE_SECRET_KEY": "sk_test_readme",
                "STRIPE_API_BASE": stripe_double.base_url,
            }
        if command_name(line) in RUN_WITH:
            option, _why = RUN_WITH[command_name(line)]
            line = f"{shlex.join(shlex.split(line, comments=True))} {option}"
        result = run_line(line, clone, line_env)
        ran.append(line)
        if result.returncode != 0:
            output = result.stdout[-2000:] + result.stderr[-3000:]
            failures.append(f"$ {line}\nexit {result.returncode}\n{output}")
    assert not failures, "README commands that fail on a fresh clone:\n\n" + "\n\n".join(failures)
    assert len(ran) >= 6, ran
    assert "STORE_ENV=development" in (clone / ".env").read_text()  # what make them work
    # sync-stripe reached (the double of) Stripe and created the demo offers there
    synced = {product["name"] for product in stripe_double.list_objects("product")}
    assert "Accès à GPT 4" in synced, synced
