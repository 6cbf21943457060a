"""Module page throughput against a bare Flask endpoint returning the same bytes.

    .venv/bin/python bench/bench_module_page.py [--rounds 3] [--seconds 10] [--connections 8]

Budgets (PRODUCT.md): module page throughput >= 60 % of a bare Flask endpoint returning the
same bytes, same server, same run; a module page never parses Markdown or YAML per request.

Builds a throwaway SQLite database, signs a user in through POST /login, captures one lesson
page, then serves bench_app.py (the real portal + a bare route returning those bytes) with
gunicorn, 2 sync workers, and alternates wrk runs on the two URLs (A, B, A, B ...).
Needs `wrk` (apt-get install -y wrk). Everything it starts or writes is removed at the end.

The bare route runs inside the portal, so it pays the portal's per-request hooks too and the
ratio flatters the portal: the budget is now measured against a minimal Flask app outside it
by bench_side_by_side.py. This script stays for its parse counters and --profile.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gzip
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

from bench_app import BARE_PATH, make_bench_app  # noqa: E402
from flask import Flask  # noqa: E402

USER_AGENT = "bench-module-page"  # Flask-Login ties the session to address + user agent
EMAIL, PASSWORD = "bench@example.org", "bench-password-1"


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int  # non-2xx/3xx responses + socket errors
    cpu_ms: float = 0.0  # gunicorn master + workers' CPU time per request (user + system)


# --- set-up: database, user, session cookie, captured page -------------------------------

def bench_environment(tmp: Path, page_file: Path) -> dict[str, str]:
    """BENCH_* settings for this process and the gunicorn workers."""
    settings = {
        "BENCH_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "BENCH_SECRET_KEY": secrets.token_hex(32),
        "BENCH_BARE_PAGE": str(page_file),
    }
    os.environ.update({k: v for k, v in settings.items() if k != "BENCH_BARE_PAGE"})
    return {**os.environ, **settings}


def prepare_database(app: Flask) -> None:
    from flask_migrate import upgrade

    from training_portal.accounts.models import User
    from training_portal.accounts.passwords import hash_password
    from training_portal.extensions import db

    with app.app_context():
        upgrade()
        db.session.add(User(name="Bench Reader", email=EMAIL, password_hash=hash_password(PASSWORD)))
        db.session.commit()
        db.engine.dispose()


def sign_in(app: Flask) -> Any:
    """A test client signed in through the real log-in form, CSRF token included."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert token, "no CSRF token on /login"
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                           "csrf_token": token.group(1)})
    assert response.status_code in (302, 303), f"log-in failed: {response.status_code}"
    return client


def capture_page(client: Any, path: str) -> tuple[str, bytes]:
    """Read the page until the session is stable; return the cookie and the page's bytes."""
    client.get(path)  # first read: records the page view, adds the CSRF token to the session
    response = client.get(path)
    assert response.status_code == 200, f"{path} gave {response.status_code}"
    assert "Set-Cookie" not in response.headers, "the session still changes on every read"
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value, response.get_data()


def served_client(env: dict[str, str], cookie: str) -> Any:
    """A test client on the app with the bare route, carrying the captured session cookie."""
    os.environ["BENCH_BARE_PAGE"] = env["BENCH_BARE_PAGE"]
    client = make_bench_app().test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    client.set_cookie("session", cookie)
    return client


# --- "never parses Markdown or YAML during a request" ------------------------------------

def _parse_targets() -> list[tuple[object, str, str]]:
    import nh3
    import yaml
    import yaml.composer
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML

    import training_portal.modules.catalog

    return [
        (MarkdownIt, "parse", "Markdown"), (MarkdownIt, "render", "Markdown"),
        (RendererHTML, "render", "Markdown"), (nh3, "clean", "HTML sanitising (nh3)"),
        (yaml.composer.Composer, "compose_document", "YAML"),
        *((yaml, name, "YAML") for name in ("load", "safe_load", "compose", "load_all")),
        (training_portal.modules.catalog, "load_catalog", "catalog loads"),
    ]


def _counting(original: Callable[..., Any], counts: Counter[str], label: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        counts[label] += 1
        return original(*args, **kwargs)

    return wrapper


@contextlib.contextmanager
def parse_counters() -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in _parse_targets()]
    for (owner, name, original), (_, _, label) in zip(saved, _parse_targets(), strict=True):
        setattr(owner, name, _counting(original, counts, label))
    try:
        yield counts
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def count_parses(app: Flask, client: Any, path: str, n: int) -> tuple[Counter[str], Counter[str]]:
    """Parses during n page requests, and (to show the counters work) during one forced reload."""
    with parse_counters() as counts:
        for _ in range(n):
            assert client.get(path).status_code == 200
        during_requests = counts.copy()
        counts.clear()
        app.extensions["catalog"].reload()
        return during_requests, counts.copy()


# --- where the time goes (--profile N) ---------------------------------------------------

PROFILE_PARTS = [  # (label, file suffix, function): cumulative time, so parts may nest
    ("whole request (Flask wsgi_app)", "flask/app.py", "wsgi_app"),
    ("  session cookie opened", "flask/sessions.py", "open_session"),
    ("  before_request hooks", "flask/app.py", "preprocess_request"),
    ("  user loaded from the session (SELECT user)", "accounts/sessions.py", "load_user"),
    ("  record_page_view (SELECT page view)", "modules/progress.py", "record_page_view"),
    ("  render_template", "flask/templating.py", "render_template"),
    ("    of which _() / gettext in templates", "jinja2/ext.py", "_gettext_alias"),
    ("    of which url_for", "flask/app.py", "url_for"),
    ("    of which csrf_token()", "flask_wtf/csrf.py", "generate_csrf"),
    ("  after_request + session saved", "flask/app.py", "process_response"),
    ("  teardown (database session removed)", "flask/app.py", "do_teardown_appcontext"),
]


def _profiled(client: Any, path: str, n: int) -> Any:
    import cProfile
    import pstats

    for _ in range(20):
        client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get(path)
    profiler.disable()
    return pstats.Stats(profiler)


def _cumulative_ms(stats: Any, suffix: str, function: str, n: int) -> float:
    return sum(row[3] for (file, _, name), row in stats.stats.items()
               if file.endswith(suffix) and name == function) * 1000 / n


def profile(client: Any, paths: dict[str, str], n: int) -> None:
    """cProfile both endpoints in-process; times are inflated by the profiler, shares are a guide."""
    stats = {name: _profiled(client, path, n) for name, path in paths.items()}
    print(f"\ncProfile, {n} in-process requests each (ms per request, profiler overhead included)")
    print("| part | " + " | ".join(paths) + " |\n| --- |" + " --- |" * len(paths))
    print("| Python function calls per request | "
          + " | ".join(f"{s.total_calls / n:,.0f}" for s in stats.values()) + " |")
    for label, suffix, function in PROFILE_PARTS:
        print(f"| {label} | " + " | ".join(f"{_cumulative_ms(s, suffix, function, n):.2f}"
                                          for s in stats.values()) + " |")
    print()


# --- serving and load --------------------------------------------------------------------

#: Ports this project's benches may bind on the shared machine (others' runs use other ranges).
BENCH_PORTS = range(int(os.environ.get("BENCH_PORT_FIRST", "18400")),
                    int(os.environ.get("BENCH_PORT_LAST", "18499")) + 1)


def free_port() -> int:
    """The first port in BENCH_PORTS nobody is listening on."""
    for port in BENCH_PORTS:
        with socket.socket() as sock, contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            return port
    raise RuntimeError(f"no free port in {BENCH_PORTS.start}-{BENCH_PORTS.stop - 1}")


def fetch(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def wait_until_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        with contextlib.suppress(OSError):
            if fetch(port, "/healthz", {}).status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


@dataclass(frozen=True)
class Server:
    port: int
    pid: int  # the gunicorn master

    def workers_cpu_seconds(self) -> float:
        """User + system CPU of the master's children (the workers), from /proc."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.pid:
                    ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def pids(self) -> list[int]:
        """The master and its workers."""
        found = [self.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.pid:
                    found.append(int(stat.parent.name))
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers, from /proc/<pid>/stat."""
        ticks = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


#: The portal app bench_app.py builds (the same app gunicorn serves in every bench here).
PORTAL_APP = "bench_app:make_bench_app()"


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, app: str = PORTAL_APP) -> Iterator[Server]:
    """Serve an app from bench/ with gunicorn (sync workers, 127.0.0.1:<port in BENCH_PORTS>);
    stop the whole process group afterwards. Every bench uses these same settings."""
    if threading.current_thread() is threading.main_thread():  # a SIGTERM still stops gunicorn
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
               f"127.0.0.1:{port}", "--chdir", str(BENCH_DIR), "--log-level", "warning", app]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        wait_until_ready(port, process)
        yield Server(port, process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def check_same_response(port: int, page_path: str, headers: dict[str, str]) -> None:
    page, bare = fetch(port, page_path, headers), fetch(port, BARE_PATH, headers)
    for name, response in (("page", page), ("bare", bare)):
        assert response.status == 200, f"{name} gave {response.status}"
        assert response.getheader("Set-Cookie") is None, f"{name} sets a cookie"
    assert page.getheader("Content-Type") == bare.getheader("Content-Type")
    assert page.getheader("Content-Length") == bare.getheader("Content-Length")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)?", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    number, unit = match.groups()
    return float(number) * _UNITS_MS[unit or "ms"]


def parse_wrk(output: str) -> WrkResult:
    def find(pattern: str) -> str:
        match = re.search(pattern, output)
        return match.group(1) if match else "0"

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                              output)
    bad = int(find(r"Non-2xx or 3xx responses: (\d+)"))
    bad += sum(int(g) for g in socket_errors.groups()) if socket_errors else 0
    return WrkResult(float(find(r"Requests/sec:\s+([\d.]+)")), _ms(find(r"(?m)^\s+50%\s+(\S+)")),
                     _ms(find(r"(?m)^\s+99%\s+(\S+)")), int(find(r"(\d+) requests in")), bad)


def run_wrk(server: Server, path: str, headers: dict[str, str], seconds: int,
            args: argparse.Namespace) -> WrkResult:
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{seconds}s",
               "--latency", f"http://127.0.0.1:{server.port}{path}"]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    cpu_before = server.cpu_seconds()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Latency Distribution" not in output:
        raise RuntimeError(f"wrk measured nothing on {path}:\n{output}")
    result = parse_wrk(output)
    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(result.requests, 1)
    return dataclasses.replace(result, cpu_ms=cpu_ms)


def measure(server: Server, paths: dict[str, str], headers: dict[str, str],
            args: argparse.Namespace) -> dict[str, list[WrkResult]]:
    """Warm both up, then alternate A, B, A, B ... so noise hits both alike."""
    for path in paths.values():
        run_wrk(server, path, headers, 2, args)
    results: dict[str, list[WrkResult]] = {name: [] for name in paths}
    for round_number in range(1, args.rounds + 1):
        for name, path in paths.items():
            results[name].append(run_wrk(server, path, headers, args.seconds, args))
            r = results[name][-1]
            print(f"  round {round_number} {name:>6}: {r.requests_per_second:8.0f} req/s  "
                  f"p50 {r.p50_ms:.2f} ms  p99 {r.p99_ms:.2f} ms  worker CPU {r.cpu_ms:.2f} ms/request",
                  flush=True)
    return results


# --- report ------------------------------------------------------------------------------

def _median(runs: list[WrkResult], field: str) -> float:
    return statistics.median(getattr(r, field) for r in runs)


def report(results: dict[str, list[WrkResult]], body: bytes, parses: Counter[str],
           control: Counter[str], args: argparse.Namespace) -> None:
    page, bare = results["page"], results["bare"]
    print("\n| round | module page req/s | bare req/s | ratio |\n| --- | --- | --- | --- |")
    for i, (a, b) in enumerate(zip(page, bare, strict=True), 1):
        print(f"| {i} | {a.requests_per_second:,.0f} | {b.requests_per_second:,.0f} | "
              f"{a.requests_per_second / b.requests_per_second:.0%} |")
    print("\n| endpoint | req/s (median) | p50 | p99 | worker CPU/request | requests | errors |"
          "\n| --- | --- | --- | --- | --- | --- | --- |")
    for name, runs in results.items():
        print(f"| {name} | {_median(runs, 'requests_per_second'):,.0f} | "
              f"{_median(runs, 'p50_ms'):.2f} ms | {_median(runs, 'p99_ms'):.2f} ms | "
              f"{_median(runs, 'cpu_ms'):.2f} ms | "
              f"{sum(r.requests for r in runs):,} | {sum(r.bad for r in runs)} |")
    ratio = _median(page, "requests_per_second") / _median(bare, "requests_per_second")
    rounds = statistics.median(a.requests_per_second / b.requests_per_second
                               for a, b in zip(page, bare, strict=True))
    cpu_ratio = _median(bare, "cpu_ms") / _median(page, "cpu_ms")
    print(f"\nratio of medians: {ratio:.0%}; median of the rounds' ratios: {rounds:.0%}; "
          f"from worker CPU per request: {cpu_ratio:.0%} "
          f"(budget >= 60 %: {'met' if ratio >= 0.6 else 'MISSED'})")
    print(f"page size: {len(body):,} bytes raw, {len(gzip.compress(body, 9)):,} bytes gzip -9")
    print(f"parses during {args.parse_requests} in-process page requests: {dict(parses) or 'none'} "
          f"(budget: none)")
    print(f"control, one forced catalog reload: {dict(control)}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def add_wrk_arguments(parser: argparse.ArgumentParser, workers_help: str = "gunicorn sync workers") -> None:
    """The page, rounds and wrk/gunicorn settings every throughput bench takes."""
    parser.add_argument("--module", default="recognising-predatory-behaviour")
    parser.add_argument("--page", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help=workers_help)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_wrk_arguments(parser)
    parser.add_argument("--parse-requests", type=int, default=200)
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile N in-process requests of each endpoint")
    parser.add_argument("--json", help="also write the figures to this file (run_all.py)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    path = f"/modules/{args.module}/{args.page}"
    with tempfile.TemporaryDirectory(prefix="bench-module-page-") as tmp:
        page_file = Path(tmp) / "page.html"
        env = bench_environment(Path(tmp), page_file)
        app = make_bench_app()
        prepare_database(app)
        client = sign_in(app)
        cookie, body = capture_page(client, path)
        page_file.write_bytes(body)
        served = served_client(env, cookie)  # the app gunicorn's workers build, in-process
        parses, control = count_parses(served.application, served, path, args.parse_requests)
        if args.profile:
            profile(served, {"page": path, "bare": BARE_PATH}, args.profile)
        headers = {"Cookie": f"session={cookie}", "User-Agent": USER_AGENT}
        print(f"{path}: {len(body):,} bytes; gunicorn {args.workers} sync workers; wrk "
              f"{args.threads} thread(s), {args.connections} connections, {args.rounds} rounds "
              f"x {args.seconds} s; load average {os.getloadavg()[0]:.2f}", flush=True)
        with gunicorn(env, args.workers) as server:
            check_same_response(server.port, path, headers)
            results = measure(server, {"page": path, "bare": BARE_PATH}, headers, args)
        report(results, body, parses, control, args)
    from figures import Figure, write_json

    write_json(args.json, "module_page", [
        Figure(f"lesson page: Markdown/YAML parses in {args.parse_requests} requests",
               sum(parses.values()), "", "0", not parses),
        Figure("lesson page vs a bare route inside the portal (flatters the portal; see the "
               "minimal app above)", _median(results["page"], "requests_per_second")
               / _median(results["bare"], "requests_per_second"), "×"),
    ], ["in-process parse counters; wrk on the portal's own bare route, 2 sync workers"])


if __name__ == "__main__":
    main()
