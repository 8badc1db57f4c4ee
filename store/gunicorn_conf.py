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
#: refuse to start when the workers would each keep their own rate-limit counters
check_rate_limit_storage(workers, os.environ.get("RATELIMIT_STORAGE_URI", "memory://"))
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
