"""Log-in cost: CPU per password check and per full POST /login, and Argon2's peak memory.

    .venv/bin/python bench/bench_login.py [-n 30]
    .venv/bin/python bench/bench_login.py --params 65536,3,4 --params 19456,2,1

CPU, not wall-clock time (``time.process_time``: this process, every thread), because the
development machine's 2 cores are shared and a log-in's cost to a server is its CPU.

1. **Hash verify.** For each Argon2id parameter set (memory KiB, time cost, parallelism;
   by default argon2-cffi's defaults, which the portal used before issue 11, and OWASP's
   m=19 MiB, t=2, p=1), the CPU of ``PasswordHasher.verify`` on a matching password.
2. **Peak memory.** For each set, a fresh Python process verifies once and reports how much
   its peak resident size (``ru_maxrss``) grew: that is what each concurrent log-in adds.
3. **Full log-in.** The portal as configured (its own defaults, no test-only fast hasher) on
   a throw-away SQLite database: for each of N users, GET /login for the CSRF token (CSRF on,
   as in production), then the timed POST /login (form, rate limits, verify, session, commit).
   The budget figure is the CPU spent inside the app (a WSGI wrapper around it), as a
   server spends it; the whole test-client call, which also builds the request and reads the
   cookies in this process, is shown beside it.
   Then the same for users whose stored hash has argon2-cffi's default parameters: their
   first log-in verifies the old hash and stores a new one (rehash on log-in).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2 import PasswordHasher  # noqa: E402
from flask import Flask  # noqa: E402

from training_portal import create_app  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import Figure, write_json  # noqa: E402

from training_portal.extensions import db  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a-bench-password-of-some-length"  # noqa: S105  (a throw-away database)
OLD_DEFAULT = (65536, 3, 4)  # argon2-cffi's PasswordHasher() defaults: the portal before issue 11
OWASP = (19456, 2, 1)

#: VmHWM (this process's peak resident size), not ru_maxrss: after fork + exec, ru_maxrss
#: starts from the parent's peak and would hide a smaller child's.
_PEAK_SCRIPT = """
import re, sys
from argon2 import PasswordHasher
def peak():
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
m, t, p = map(int, sys.argv[1:4])
hasher = PasswordHasher(memory_cost=m, time_cost=t, parallelism=p)
before = peak()
hasher.hash("x" * 20)
print(peak() - before)
"""


def cpu_ms(action: Any) -> float:
    started = time.process_time()
    action()
    return (time.process_time() - started) * 1000


def verify_cpu(params: tuple[int, int, int], n: int) -> list[float]:
    m, t, p = params
    hasher = PasswordHasher(memory_cost=m, time_cost=t, parallelism=p)
    stored = hasher.hash(PASSWORD)
    hasher.verify(stored, PASSWORD)  # warm-up
    return [cpu_ms(lambda: hasher.verify(stored, PASSWORD)) for _ in range(n)]


def peak_kib(params: tuple[int, int, int]) -> int:
    """Growth of a fresh process's peak resident size over one hash (a verify costs the same)."""
    out = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, *map(str, params)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip())


class AppCpu:
    """WSGI middleware: this process's CPU inside the app for the last request, the body
    included, without the test client's own work (building the request, reading cookies)."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app, self.last_ms = wsgi_app, 0.0

    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        started = time.process_time()
        try:
            return list(self.wsgi_app(environ, start_response))
        finally:
            self.last_ms = (time.process_time() - started) * 1000


def portal(tmp: Path) -> Flask:
    app = create_app({
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "WTF_CSRF_ENABLED": True,
        "MAIL_BACKEND": "memory",
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "LOGIN_IP_RATE_LIMIT": "100000 per minute",
    })
    app.wsgi_app = AppCpu(app.wsgi_app)  # type: ignore[method-assign]
    return app


def create_users(prefix: str, count: int, password_hash: str) -> list[str]:
    from training_portal.accounts.models import User

    emails = [f"{prefix}{i}@example.org" for i in range(count)]
    db.session.add_all(User(name=f"Bench {e}", email=e, password_hash=password_hash)
                       for e in emails)
    db.session.commit()
    return emails


def timed_login(app: Flask, email: str) -> tuple[float, float]:
    """(CPU in the app, CPU of the whole test-client call) of one POST /login."""
    meter: AppCpu = app.wsgi_app  # type: ignore[assignment]  # installed by portal()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    data = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    response: Any = None

    def post() -> None:
        nonlocal response
        response = client.post("/login", data=data)

    elapsed = cpu_ms(post)
    assert response.status_code == 302, response.status_code
    return meter.last_ms, elapsed


def full_logins(n: int) -> dict[str, Any]:
    """Users with current hashes first (and the process's peak memory then), before any
    64 MiB hash is made in this process; then users with old hashes (rehashed on log-in)."""
    from flask_migrate import upgrade

    from training_portal.accounts.passwords import hash_password

    with tempfile.TemporaryDirectory() as folder:
        app = portal(Path(folder))
        with app.app_context():
            upgrade()
            stored = hash_password(PASSWORD)
            current = create_users("current", n + 1, stored)
        timed_login(app, current[0])  # warm-up: templates, first connection
        timed = [timed_login(app, e) for e in current[1:]]
        result: dict[str, Any] = {"current": [app_ms for app_ms, _ in timed],
                                  "with_client": [whole for _, whole in timed],
                                  "stored": stored.split("$")[3], "peak_rss_mib": _own_peak_mib()}
        with app.app_context():
            m, t, p = OLD_DEFAULT
            old_hash = PasswordHasher(memory_cost=m, time_cost=t, parallelism=p).hash(PASSWORD)
            old = create_users("old", n, old_hash)
        result["old"] = [timed_login(app, e)[0] for e in old]
        with app.app_context():
            from training_portal.accounts.services import find_user_by_email

            rehashed = find_user_by_email(old[0])
            result["rehashed"] = rehashed.password_hash.split("$")[3] if rehashed else "?"
            db.engine.dispose()
    return result


def _own_peak_mib() -> float:
    status = Path("/proc/self/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+)", status)
    return int(found.group(1)) / 1024 if found else float("nan")


def describe(params: tuple[int, int, int]) -> str:
    m, t, p = params
    return f"m={m} KiB ({m / 1024:.0f} MiB), t={t}, p={p}"


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"{statistics.median(values):.1f} ms | {p90:.1f} ms"


def parse_params(raw: str) -> tuple[int, int, int]:
    m, t, p = (int(x) for x in raw.split(","))
    return m, t, p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="timed operations per row")
    parser.add_argument("--params", type=parse_params, action="append",
                        help="m_kib,t,p (repeat); default: argon2-cffi's defaults and OWASP's")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON (run_all.py)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 5 of each")
    args = parser.parse_args()
    if args.quick:
        args.n = 5
    sets = args.params or [OLD_DEFAULT, OWASP]
    logins = full_logins(args.n)  # first: its peak memory must not include the table's hashes
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, n={args.n}\n")
    print("| Argon2id parameters | verify CPU median | p90 | peak memory added |")
    print("| --- | --- | --- | --- |")
    verify: dict[tuple[int, int, int], list[float]] = {}
    for params in sets:
        verify[params] = verify_cpu(params, args.n)
        print(f"| {describe(params)} | {summary(verify[params])} | "
              f"{peak_kib(params) / 1024:.1f} MiB |")
    print(f"\nPortal as configured: new hashes are stored as {logins['stored']}\n")
    print("| POST /login (CSRF on, SQLite), CPU in the app | CPU median | p90 |")
    print("| --- | --- | --- |")
    print(f"| stored hash has the configured parameters | {summary(logins['current'])} |")
    print(f"| the same, with the test client's own work | {summary(logins['with_client'])} |")
    print(f"| stored hash has {describe(OLD_DEFAULT)} (rehashed: now {logins['rehashed']}) | "
          f"{summary(logins['old'])} |")
    print(f"\nPeak RSS of this process after the log-ins with current hashes: "
          f"{logins['peak_rss_mib']:.0f} MiB")
    if args.json:
        login_ms = statistics.median(logins["current"])
        figures = [
            Figure("log-in, POST /login CPU in the app (median)", round(login_ms, 1), "ms",
                   "≤ 40 ms", login_ms <= 40),
            Figure("log-in, the same with the test client's own work (median)",
                   round(statistics.median(logins["with_client"]), 1), "ms"),
            Figure("log-in with an old hash, rehashed (median, once a person)",
                   round(statistics.median(logins["old"]), 1), "ms"),
        ]
        if OWASP in verify:
            figures.append(Figure(f"Argon2id verify alone, {describe(OWASP)} (median)",
                                  round(statistics.median(verify[OWASP]), 1), "ms"))
        write_json(args.json, "login", figures, [f"Argon2id as configured: {logins['stored']}"])


if __name__ == "__main__":
    main()
