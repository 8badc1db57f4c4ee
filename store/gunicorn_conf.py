"""Gunicorn settings for production: `gunicorn -c python:store.gunicorn_conf app:app`.

Every value can be overridden from the environment (GUNICORN_CMD_ARGS, or the variables
below)."""

import multiprocessing
import os

from dotenv import load_dotenv

from store.config import check_rate_limit_storage

load_dotenv()  # the same .env the app reads

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
#: two workers per core is a good start for an I/O-bound Flask app
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
#: Stripe calls time out after STRIPE_TIMEOUT_SECONDS (10 s); leave room for retries
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
#: recycle workers now and then so a slow leak can never grow without bound
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss request_id=%({x-request-id}o)s worker=%(p)s'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Where the request came from and how is the app's to decide (PROXY_COUNT, with Werkzeug's
# ProxyFix, outside its page cache): gunicorn itself takes no header for it. By default it
# would let a peer in forwarded_allow_ips set SCRIPT_NAME and PATH_INFO from headers (one could
# swap the French and English pages the page cache keeps) and the scheme from
# X-Forwarded-Proto even with PROXY_COUNT unset.
forwarder_headers = ""
secure_scheme_headers: dict[str, str] = {}


def _rate_limit_storage() -> str:
    return os.environ.get("RATELIMIT_STORAGE_URI", "memory://")


def on_starting(server) -> None:
    """Refuse to start when the workers would each keep their own rate-limit counters. Checked
    on the worker count gunicorn really uses: this file's `workers`, or `-w`, `--workers` or
    GUNICORN_CMD_ARGS, which override it."""
    check_rate_limit_storage(server.cfg.workers, _rate_limit_storage())
