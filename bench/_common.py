"""Shared plumbing of the bench scripts (standard library only).

Every script works in its own temporary directory, starts its servers as children in their
own process group, and stops them (TERM, then KILL) on exit, on Ctrl-C and on SIGTERM.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = ROOT / ".venv" / "bin"

ARTICLE = "/articles/differend-openai-elon-musk-blague-proces"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Fatal(Exception):
    """Setup failed: the script cannot measure anything."""


# --- processes and clean-up -------------------------------------------------------------

_children: list[subprocess.Popen] = []
_cleanups: list = []


def on_exit(function) -> None:
    """Run `function` at exit (last registered, first run), after the servers stopped."""
    _cleanups.append(function)


def _stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)  # the process group we created: ours only
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def stop(process: subprocess.Popen) -> None:
    _stop(process)
    if process in _children:
        _children.remove(process)


def _cleanup() -> None:
    while _children:
        _stop(_children.pop())
    while _cleanups:
        with contextlib.suppress(Exception):
            _cleanups.pop()()


class TimeLimit(Exception):
    """The script ran past its time limit."""


def _on_signal(signum, frame) -> None:
    if signum == signal.SIGALRM:
        raise TimeLimit("time limit reached")
    raise KeyboardInterrupt(f"signal {signum}")


def install_cleanup(time_limit: float | None = None) -> None:
    """Stop our servers and remove our files at exit; give up after `time_limit` seconds."""
    atexit.register(_cleanup)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(signum, _on_signal)
    if time_limit:
        signal.alarm(int(time_limit))


def spawn(args: list[str], *, env: dict, cwd: Path, log_path: Path) -> subprocess.Popen:
    """Start a child in its own process group, output to `log_path`."""
    out = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    out.close()
    _children.append(process)
    return process


def temp_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    on_exit(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], *, env: dict, cwd: Path, timeout: float = 120) -> str:
    """Run a command to completion; Fatal with its output on failure."""
    try:
        done = subprocess.run(
            args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as error:
        raise Fatal(f"{' '.join(args)} took more than {timeout:.0f} s") from error
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()
        raise Fatal(
            f"`{' '.join(args)}` failed (exit {done.returncode}):\n    "
            + "\n    ".join(_summarise(output))
        )
    return done.stdout


def _summarise(lines: list[str], keep: int = 12) -> list[str]:
    """The end of a traceback: where it failed and the exception."""
    return lines[-keep:] if len(lines) > keep else lines


# --- the store's source and environment --------------------------------------------------


def store_source(work: Path) -> tuple[Path, str]:
    """Where to run the store from: the working tree, or a `git archive` of BENCH_REF.

    The editable install's import hook comes after `sys.path`, so running from a snapshot
    directory imports the snapshot's `store` package, templates and migrations.
    """
    ref = os.environ.get("BENCH_REF", "").strip()
    if not ref:
        return ROOT, "working tree"
    snapshot = work / "src"
    snapshot.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise Fatal(f"git archive {ref} failed: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(snapshot)], input=archive.stdout, check=True)
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", ref], capture_output=True, text=True
    ).stdout.strip()
    # The compiled catalogues are not in git (the Makefile builds them).
    run(
        [str(VENV_BIN / "pybabel"), "compile", "--use-fuzzy", "-d", "store/translations", "-f"],
        env=os.environ.copy(),
        cwd=snapshot,
    )
    return snapshot, f"git {ref} ({commit})"


def store_env(database_url: str, **extra: str) -> dict:
    """The store's environment: no Stripe unless given, a fixed secret, our database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "TEST_DATABASE"))}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=os.urandom(32).hex(),  # production checks want >= 32 characters
        PUBLIC_URL="http://127.0.0.1",  # production checks want the public address
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def prepare_database(src: Path, env: dict, *, seed: bool) -> None:
    flask = [str(VENV_BIN / "flask"), "--app", "app"]
    run([*flask, "db", "upgrade"], env=env, cwd=src)
    if seed:
        run([*flask, "store", "seed"], env=env, cwd=src)


def gunicorn_args(port: int, app: str, *extra: str, workers: int = 2) -> list[str]:
    args = [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", *extra]
    if _has_control_socket():
        # gunicorn ≥ 24 opens ~/.gunicorn/gunicorn.ctl; two servers at once would share it.
        args.append("--no-control-socket")
    return [*args, app]


def _has_control_socket() -> bool:
    if not hasattr(_has_control_socket, "value"):
        help_text = subprocess.run(
            [str(VENV_BIN / "gunicorn"), "--help"], capture_output=True, text=True
        ).stdout
        _has_control_socket.value = "--no-control-socket" in help_text
    return _has_control_socket.value


def start_gunicorn(
    name: str,
    app: str,
    *,
    src: Path,
    env: dict,
    work: Path,
    extra: tuple[str, ...] = (),
    workers: int = 2,
) -> tuple[subprocess.Popen, int, Path]:
    if not (VENV_BIN / "gunicorn").exists():
        raise Fatal("gunicorn is not installed: .venv/bin/pip install gunicorn")
    port = free_port()
    log_path = work / f"{name}.log"
    args = gunicorn_args(port, app, *extra, workers=workers)
    process = spawn(args, env=env, cwd=src, log_path=log_path)
    wait_http(port, "/", process, log_path)
    return process, port, log_path


NGINX = Path("/usr/sbin/nginx")


def start_nginx(
    name: str, app_ports: list[int], *, src: Path, work: Path
) -> tuple[subprocess.Popen, int, Path]:
    """deploy/nginx.conf (from `src`) on a free port in front of two app servers; its cache,
    logs and pid under `work`/`name`."""
    if not NGINX.exists():
        raise Fatal(f"{NGINX} is missing: apt-get install nginx")
    folder = work / name
    for sub in ("run", "log", "cache"):
        (folder / sub).mkdir(parents=True)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(
        run(
            [sys.executable, str(src / "deploy" / "render_nginx_conf.py"), "--local"]
            + [str(folder), str(port), *map(str, app_ports), str(src / "static")],
            env=os.environ.copy(),
            cwd=src,
        )
    )
    log_path = folder / "log" / "error.log"
    process = spawn(
        [str(NGINX), "-c", str(conf), "-p", str(folder), "-e", str(log_path)]
        + ["-g", "daemon off;"],
        env=os.environ.copy(),
        cwd=folder,
        log_path=folder / "log" / "stdout.log",
    )
    wait_http(port, "/", process, log_path)
    return process, port, log_path


def wait_http(port: int, path: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Fatal(f"the server exited ({process.returncode}):\n{tail(log_path)}")
        try:
            status, _, _ = request(port, "GET", path, timeout=2)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise Fatal(f"the server did not answer on port {port} within 30 s:\n{tail(log_path)}")


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text[-lines:])


def server_errors(log_path: Path) -> list[str]:
    """One line per error in a gunicorn log: the exception (or message) of each ERROR record.

    Reads the store's text logs (tracebacks over several lines) and its JSON logs (one object
    per line, the traceback in `exc_info`).
    """
    found = []
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    for index, line in enumerate(lines):
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            level = str(record.get("level") or record.get("levelname") or "").upper()
            if level in ("ERROR", "CRITICAL"):
                exc = (record.get("exc_info") or "").strip().splitlines()
                found.append(
                    f"{record.get('name', '')}: {record.get('message', '')}"
                    + (f" ({exc[-1]})" if exc else "")
                )
        elif line.startswith("Traceback"):
            end = index + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end]):
                end += 1
            if end < len(lines):
                found.append(lines[end])
        elif " ERROR " in line and "Worker" not in line and "[ERROR]" not in line:
            found.append(line)
    return found


def log_count(log_path: Path, text: str) -> int:
    return log_path.read_text(errors="replace").count(text) if log_path.exists() else 0


def process_tree_cpu(root_pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (gunicorn's
    master and workers); other load on the machine does not count."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    tree = {root_pid}
    for pid, ppid in parents.items():
        if ppid == root_pid:
            tree.add(pid)
    return sum(times.get(pid, 0.0) for pid in tree)


# --- a tiny HTTP client with a cookie jar -----------------------------------------------


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict | None = None,
    timeout: float = 30,
) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, _headers(response), data
    finally:
        conn.close()


def _headers(response: http.client.HTTPResponse) -> dict:
    headers: dict = {}
    for name, value in response.getheaders():
        headers.setdefault(name.lower(), []).append(value)
    return headers


class Browser:
    """Cookies kept between requests to one host, like a visitor's browser."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _request(self, method: str, path: str, form: dict | None = None):
        from urllib.parse import urlencode

        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, data = request(
            self.port, method, path, body=body, headers=headers
        )
        for line in response_headers.get("set-cookie", []):
            pair = line.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if "expires=thu, 01 jan 1970" in line.lower() or "max-age=0" in line.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        return status, response_headers, data.decode("utf-8", "replace")

    def get(self, path: str):
        return self._request("GET", path)

    def post(self, path: str, form: dict):
        return self._request("POST", path, form)


CSRF = re.compile(
    r'<input[^>]*name="csrf_token"[^>]*value="([^"]*)"|'
    r'<input[^>]*value="([^"]*)"[^>]*name="csrf_token"'
)


def csrf_token(page: str) -> str:
    """The form's token: empty on an anonymous visitor's pages (store/ops/cross_origin.py)."""
    match = CSRF.search(page)
    if match is None:
        raise Fatal("no csrf_token input on the page")
    return match.group(1) or match.group(2) or ""


def add_to_cart_token(page: str) -> str:
    """The CSRF token of the first add-to-cart form on the page."""
    for form in re.findall(r"<form[^>]*>.*?</form>", page, flags=re.S):
        if "/cart/add" in form:
            return csrf_token(form)
    return csrf_token(page)


def location(headers: dict) -> str:
    return (headers.get("location") or [""])[0]


def cart_cookie(port: int) -> str:
    """A real session cookie whose cart holds product 1 (and no pending flash message)."""
    browser = Browser(port)
    status, _, page = browser.get("/shop")
    if status != 200:
        raise Fatal(f"GET /shop answered {status}")
    token = add_to_cart_token(page)
    status, headers, _ = browser.post(
        "/cart/add", {"csrf_token": token, "product_id": "1", "quantity": "1", "next": "/cart"}
    )
    if status not in (302, 303):
        raise Fatal(f"POST /cart/add answered {status} (expected a redirect)")
    # Show the cart once, as the browser would after the redirect: it consumes the flash
    # message, so every measured request renders the same page without rewriting the cookie.
    status, _, page = browser.get("/cart")
    if status != 200:
        raise Fatal(f"GET /cart answered {status}")
    if "/cart/remove" not in page and "/cart/update" not in page:
        raise Fatal("the cart page shows no line after /cart/add")
    if "session" not in browser.cookies:
        raise Fatal(f"no session cookie set (cookies: {sorted(browser.cookies)})")
    return browser.cookie_header()


if __name__ == "__main__":
    # bench/lighthouse: `python bench/_common.py cart-cookie PORT` prints a Cookie header value.
    if sys.argv[1:2] == ["cart-cookie"] and len(sys.argv) == 3:
        try:
            print(cart_cookie(int(sys.argv[2])))
        except Fatal as error:
            sys.exit(f"cart cookie: {error}")
    else:
        sys.exit("usage: _common.py cart-cookie PORT")
