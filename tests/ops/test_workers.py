"""Rate limits hold across gunicorn workers: the production server refuses to start several
workers that would each count on their own (memory storage), and with Redis the login limit
is the same whatever worker answers."""

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.ops.test_production import redis_reachable

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp_path, **overrides) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STORE_", "RATELIMIT_", "LOGIN_", "DATABASE_", "TEST_"))
    }
    env.update(
        # production, whatever a developer's .env says (`make run` writes STORE_ENV=development)
        STORE_ENV="production",
        PYTHON_DOTENV_DISABLED="1",  # the app and gunicorn_conf read no .env
        FLASK_SKIP_DOTENV="1",  # nor does `flask db upgrade`
        SECRET_KEY="k" * 40,
        PUBLIC_URL="http://127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'workers.db'}",
        SESSION_COOKIE_SECURE="0",
        PAGE_CACHE_SECONDS="0",
        LOG_FORMAT="text",
        **overrides,
    )
    return env


def gunicorn(env, port):
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            "python:store.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "app:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_several_workers_on_memory_storage_refuse_to_start(tmp_path):
    env = server_env(tmp_path, WEB_CONCURRENCY="2", RATELIMIT_STORAGE_URI="memory://")
    process = gunicorn(env, free_port())
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "RATELIMIT_STORAGE_URI=redis://" in output


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_the_login_limit_holds_across_workers(tmp_path):
    import redis

    prefix = f"store-workers-{uuid.uuid4().hex}"
    env = server_env(
        tmp_path,
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="1",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        RATELIMIT_KEY_PREFIX=prefix,
        LOGIN_LIMIT_PER_IP="1000 per minute",
        LOGIN_LIMIT_PER_ACCOUNT="5 per minute",
    )
    subprocess.run(
        [str(BIN / "flask"), "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    process = gunicorn(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        browsers = []
        for _ in range(20):  # each its own browser, posting the login form it was given
            browser = requests.Session()
            page = browser.get(f"{base}/account/login", timeout=5)
            # (empty for an anonymous visitor: store/ops/cross_origin.py)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page.text).group(1)
            browsers.append((browser, token))

        def guess(pair) -> int:
            browser, token = pair
            with browser:
                return browser.post(
                    f"{base}/account/login",
                    data={"csrf_token": token, "email": "cible@example.org", "password": "x"},
                    headers={"Connection": "close"},
                    timeout=10,
                ).status_code

        # Two guesses at a time: with one thread per worker, both workers must answer.
        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = list(pool.map(guess, browsers))
        answers = Counter(statuses)
        # Failures are counted after the answer (only failures count), so two guesses in
        # flight at once may both pass the check: at most one more than the limit, where
        # counters kept per worker would let 5 per worker through (10).
        assert 5 <= answers[400] <= 6 and answers[400] + answers[429] == 20, answers
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        server = redis.Redis(host="127.0.0.1", port=6379)
        keys = server.keys(f"*{prefix}*")
        if keys:
            server.delete(*keys)
    # Both workers answered login attempts: the limit held across them.
    posts = re.findall(r'"POST /account/login [^"]*" .* worker=<(\d+)>', output)
    assert len(posts) == 20 and len(set(posts)) == 2, output
