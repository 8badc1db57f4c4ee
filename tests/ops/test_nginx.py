"""The store behind nginx (deploy/nginx.conf, rendered by deploy/render_nginx_conf.py), with two
app servers (gunicorn) on one database: anonymous pages come from nginx's cache, a visitor with a
cart or a login never does, an edit reaches visitors within PUBLIC_CACHE_SECONDS, static files
come from nginx, compressed and cached for a year, a cart and the rate limits hold whichever
instance answers.

SQLite normally; on PostgreSQL (a database of its own, created and dropped here) when
TEST_DATABASE_URL is set. Rate limits are shared through Redis when it answers.
"""

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa

from tests.ops.test_production import redis_reachable
from tests.ops.test_workers import free_port, server_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NGINX = Path("/usr/sbin/nginx")
ARTICLE = "/articles/differend-openai-elon-musk-blague-proces"
#: s-maxage of public pages in this test: an edit must show within it
PUBLIC_CACHE_SECONDS = 2
#: calls of the access API allowed per minute and client address
API_LIMIT = 4
#: a Redis database no other test uses, and a prefix of this run's own
REDIS_URL = "redis://127.0.0.1:6379/13"
LINE_NAME = re.compile(r'<span class="line-name">([^<]+)</span>')
CART_COUNT = re.compile(r'data-testid="cart-count">(\d+)<')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

pytestmark = pytest.mark.skipif(
    not NGINX.exists(), reason="nginx is not installed (apt-get install nginx; .ci/run does)"
)


class Database:
    """SQLite in the test's folder, or a PostgreSQL database of this run's own (never `test`)."""

    def __init__(self, folder: Path):
        server = os.environ.get("TEST_DATABASE_URL")
        self.name = None
        if not server:
            self.url = f"sqlite:///{folder / 'nginx.db'}"
            return
        import psycopg

        self.name = f"store_nginx_{os.getpid()}"
        parts = urlsplit(server.replace("+psycopg", ""))
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.url = urlunsplit(urlsplit(server)._replace(path=f"/{self.name}"))

    def drop(self) -> None:
        if self.name:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    """An app server whose output goes to a file (a pipe nobody reads would fill up)."""
    with log.open("w") as output:
        return subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:store.gunicorn_conf"]
            + ["--bind", f"127.0.0.1:{port}", "app:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _wait(url: str, process: subprocess.Popen) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise AssertionError(f"{url}: the server exited ({process.returncode})")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


class Stack:
    """nginx on `base`, in front of two gunicorn instances of the store."""

    def __init__(self, base: str, app_ports: list[int], engine: sa.Engine):
        self.base = base
        self.app_ports = app_ports
        self.engine = engine

    def get(self, browser, path: str, **kwargs) -> requests.Response:
        response = (browser or requests).get(self.base + path, timeout=10, **kwargs)
        # Whatever the page: a response that sets a cookie never comes from the cache.
        if response.headers.get("X-Cache-Status") == "HIT":
            assert "Set-Cookie" not in response.headers, path
        return response

    def post(self, browser, path: str, data: dict, page: str = "") -> requests.Response:
        token = CSRF.search(page)
        form = {**data, **({"csrf_token": token.group(1)} if token else {})}
        return browser.post(
            self.base + path,
            data=form,
            headers={"Origin": self.base},
            allow_redirects=False,
            timeout=10,
        )

    def instance(self, response: requests.Response) -> int:
        """Which app server answered (nginx's X-Upstream)."""
        return int(response.headers["X-Upstream"].rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx")
    database = Database(folder)
    port = free_port()
    prefix = f"store-nginx-{uuid.uuid4().hex}"
    shared_limits = redis_reachable()
    env = server_env(folder)
    env.update(
        DATABASE_URL=database.url,
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        PROXY_COUNT="1",
        PUBLIC_CACHE_SECONDS=str(PUBLIC_CACHE_SECONDS),
        PUBLIC_CACHE_STALE_SECONDS="30",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        ACCESS_API_LIMIT_PER_IP=f"{API_LIMIT} per minute",
        RATELIMIT_STORAGE_URI=REDIS_URL if shared_limits else "memory://",
        RATELIMIT_KEY_PREFIX=prefix,
        STORE_ADMIN_PASSWORD="mot de passe de la patronne",
    )
    processes: list[subprocess.Popen] = []
    for name in ("run", "log", "cache"):
        (folder / name).mkdir()
    engine = sa.create_engine(database.url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        flask = [str(BIN / "flask"), "--app", "app"]
        for command in (["db", "upgrade"], ["store", "seed"]):
            subprocess.run([*flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run(
            [*flask, "store", "create-admin", "patronne@example.org"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        app_ports = [free_port(), free_port()]
        for app_port in app_ports:
            processes.append(_gunicorn(env, app_port, folder / "log" / f"app-{app_port}.log"))
        for app_port, process in zip(app_ports, processes, strict=True):
            _wait(f"http://127.0.0.1:{app_port}/healthz", process)

        conf = folder / "nginx.conf"
        rendered = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "render_nginx_conf.py"), "--local"]
            + [str(folder), str(port), *map(str, app_ports), str(ROOT / "static")],
            check=True,
            capture_output=True,
            text=True,
        )
        conf.write_text(rendered.stdout)
        error_log = folder / "log" / "error.log"
        nginx = subprocess.Popen(
            [str(NGINX), "-c", str(conf), "-p", str(folder), "-e", str(error_log)]
            + ["-g", "daemon off;"],
        )
        processes.append(nginx)
        _wait(f"http://127.0.0.1:{port}/healthz", nginx)
        yield Stack(f"http://127.0.0.1:{port}", app_ports, engine)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()
        database.drop()
        if shared_limits:
            import redis

            server = redis.Redis.from_url(REDIS_URL)
            keys = server.keys(f"*{prefix}*")
            if keys:
                server.delete(*keys)


def _cached_twice(stack: Stack, path: str) -> tuple[requests.Response, requests.Response]:
    first = stack.get(None, path)
    second = stack.get(None, path)
    return first, second


def test_anonymous_public_answers_come_from_the_cache(stack):
    for path in ["/feed.xml", "/sitemap.xml", "/robots.txt"]:
        first, second = _cached_twice(stack, f"{path}?visit=cache")
        assert first.status_code == second.status_code == 200, path
        assert (first.headers["X-Cache-Status"], second.headers["X-Cache-Status"]) == (
            "MISS",
            "HIT",
        ), path
        assert second.content == first.content
        assert second.headers["Cache-Control"].startswith("public, max-age=0, s-maxage=2,")


def test_each_language_has_its_own_url_in_the_cache(stack):
    """English is under /en/: each URL is one cached copy, whatever language the browser
    prefers (Accept-Language never changes what a URL returns)."""
    english_description = "Tech news in French: artificial intelligence"
    french_description = "L’actualité tech en français"
    statuses = []
    for path, description, preferred in [
        ("/en/feed.xml", english_description, "fr-FR,fr;q=0.9"),
        ("/feed.xml", french_description, "en-GB,en;q=0.9"),
    ] * 2:
        feed = stack.get(None, f"{path}?visit=languages", headers={"Accept-Language": preferred})
        assert description in feed.text, path
        statuses.append(feed.headers["X-Cache-Status"])
    assert statuses == ["MISS", "MISS", "HIT", "HIT"]


def test_anonymous_pages_come_from_the_cache(stack):
    for path in ["/", ARTICLE, "/shop", "/shop/guide-prompts-gpt-4", "/cgv"]:
        first, second = _cached_twice(stack, f"{path}?visit=pages")
        assert (first.headers["X-Cache-Status"], second.headers["X-Cache-Status"]) == (
            "MISS",
            "HIT",
        ), path


def test_a_page_that_sets_a_cookie_is_never_shared(stack):
    first, second = _cached_twice(stack, "/?visit=cookies")
    for response in (first, second):
        assert response.status_code == 200
        if "Set-Cookie" in response.headers:
            assert response.headers["X-Cache-Status"] != "HIT"
            assert response.headers["Cache-Control"] == "private, no-store"
    tokens = [CSRF.findall(response.text) for response in (first, second)]
    assert not set(tokens[0]) & set(tokens[1])  # no visitor reads another's form token


def test_a_cart_or_a_login_never_meets_the_cache(stack):
    anna, bruno, anonymous = requests.Session(), requests.Session(), None
    for browser, product in ((anna, 1), (bruno, 3)):
        shop = stack.get(browser, "/shop")
        added = stack.post(browser, "/cart/add", {"product_id": product}, shop.text)
        assert added.status_code == 303  # a POST through nginx
    owner = requests.Session()
    login_page = stack.get(owner, "/account/login")
    logged = stack.post(
        owner,
        "/account/login",
        {"email": "patronne@example.org", "password": "mot de passe de la patronne"},
        login_page.text,
    )
    assert logged.status_code == 303

    # Interleaved, each page twice: the cache would have served the second by now.
    for path in ["/", "/shop", ARTICLE, "/feed.xml", "/cart", "/", "/shop", ARTICLE]:
        for who, browser in (("anna", anna), ("anonymous", anonymous), ("bruno", bruno)):
            page = stack.get(browser, path)
            assert page.status_code == 200, (who, path)
            if path.endswith(".xml"):
                continue
            lines = LINE_NAME.findall(page.text)
            if who == "anonymous":
                assert lines == [] and CART_COUNT.search(page.text)[1] == "0", path
                continue
            assert page.headers["X-Cache-Status"] == "BYPASS", (who, path)
            assert page.headers["Cache-Control"] == "private, no-store", (who, path)
            expected = "Accès à GPT 4" if who == "anna" else "Guide pratique des prompts GPT 4"
            assert [line.strip() for line in lines] == [expected], (who, path)
        admin = stack.get(owner, path)
        assert admin.headers["X-Cache-Status"] == "BYPASS", path
        assert admin.headers["Cache-Control"] == "private, no-store", path
        assert path.endswith(".xml") or 'href="/admin' in admin.text  # the owner's header


def test_the_cart_survives_whichever_instance_answers(stack):
    shopper = requests.Session()
    shop = stack.get(shopper, "/shop")
    assert stack.post(shopper, "/cart/add", {"product_id": 3}, shop.text).status_code == 303
    answered = set()
    for _ in range(6):
        cart = stack.get(shopper, "/cart")
        assert [line.strip() for line in LINE_NAME.findall(cart.text)] == [
            "Guide pratique des prompts GPT 4"
        ]
        answered.add(stack.instance(cart))
    assert answered == set(stack.app_ports)


def _edit_article_title(stack: Stack, title: str) -> None:
    """What saving the article in the back office writes."""
    with stack.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE article SET title = :title, updated_at = CURRENT_TIMESTAMP "
                "WHERE slug = :slug"
            ),
            {"title": title, "slug": ARTICLE.rsplit("/", 1)[1]},
        )


def _reaches_visitors(stack: Stack, path: str, title: str) -> list[str]:
    """Ask for `path` until it shows `title`; the cache statuses met on the way."""
    seen = []
    for _ in range(20):
        page = stack.get(None, path)
        seen.append(page.headers["X-Cache-Status"])
        if title in page.text:
            return seen
        time.sleep(0.25)
    raise AssertionError(f"{title!r} never reached {path}: {seen}")


def _an_edit_reaches_visitors(stack: Stack, path: str, title: str) -> None:
    before = stack.get(None, path)
    cached_at = time.monotonic()
    assert stack.get(None, path).headers["X-Cache-Status"] == "HIT"
    _edit_article_title(stack, title)
    still = stack.get(None, path)
    assert still.headers["X-Cache-Status"] == "HIT" and title not in still.text
    assert before.status_code == 200
    # Once s-maxage is over (nginx counts whole seconds: up to one more), one visitor gets
    # the stale copy while nginx asks the app again in the background
    # (stale-while-revalidate); the next ones get the new title.
    time.sleep(max(0.0, PUBLIC_CACHE_SECONDS + 1.1 - (time.monotonic() - cached_at)))
    seen = _reaches_visitors(stack, path, title)
    assert seen[0] == "STALE", seen
    assert len(seen) <= 3, seen


def test_an_edit_reaches_the_feed_within_s_maxage(stack):
    _an_edit_reaches_visitors(stack, "/feed.xml?visit=edit", "Un titre revu pour le flux")


def test_an_edit_reaches_the_article_within_s_maxage(stack):
    _an_edit_reaches_visitors(stack, f"{ARTICLE}?visit=edit", "Un titre revu pour la page")


def test_static_files_come_from_nginx_compressed_and_cached_for_a_year(stack):
    page = stack.get(requests.Session(), "/")
    css = re.search(r'rel="stylesheet" href="([^"]+)"', page.text)[1]
    assert "?v=" in css
    static = stack.get(None, css, headers={"Accept-Encoding": "gzip"})
    assert static.status_code == 200
    assert static.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert static.headers["Content-Encoding"] == "gzip"
    assert "X-Upstream" not in static.headers  # no app server was asked
    assert static.headers["Content-Type"] == "text/css; charset=utf-8"
    file = ROOT / "static" / css.split("?")[0].removeprefix("/static/")
    assert static.content == file.read_bytes()

    for path in ["/", "/feed.xml"]:
        compressed = stack.get(None, path, headers={"Accept-Encoding": "gzip"})
        assert compressed.headers["Content-Encoding"] == "gzip", path


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_rate_limits_hold_across_instances(stack):
    answers = [stack.get(None, "/api/v1/access") for _ in range(API_LIMIT + 1)]
    assert [answer.status_code for answer in answers] == [401] * API_LIMIT + [429]
    assert {stack.instance(answer) for answer in answers} == set(stack.app_ports)
