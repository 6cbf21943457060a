"""Shift-start rush: 200 staff arriving over 60 s, with Locust, on PostgreSQL + Redis.

    make bench-tools                                   # once: bench/.venv-locust (pip install locust)
    .venv/bin/python bench/bench_locust.py [--users 200] [--arrival 60] [--nginx] [--json out.json]

Budget (issue 11): 0 errors, p99 < 1 s overall and < 250 ms after log-ins, recorded with
the server's CPU per request.

Creates the database ``pg_bench_locust`` (``BENCH_LOCUST_DB``; dropped first and at the end) on the server
``BENCH_POSTGRES`` or ``DATABASE_URL`` names (default
postgresql://postgres@127.0.0.1:5432/postgres), migrates it and
bulk-inserts the accounts (one password hash, computed once, shared by all). Serves the
portal with gunicorn exactly as the other benches do (2 sync workers, 127.0.0.1, no proxy in
front), rate limits kept in Redis (``BENCH_REDIS``, default db 14, flushed first). All 200
log-ins come from one address, so ``LOGIN_IP_RATE_LIMIT`` is raised to 1000 per minute for
the run (the per-account limit is left as shipped). Then ``locustfile.py`` runs headless in its
own virtualenv; every request is logged and the percentiles computed here:

- overall: every request, log-ins included;
- after log-in: each user's requests after its own log-in (log-in page and POST excluded);
- after the rush: requests that ended after the last log-in finished.

CPU per request is the gunicorn master + workers' utime + stime (/proc) over the run.

``--nginx`` runs the production topology: nginx from deploy/nginx-site.conf in front
(bench/nginx_front.py: HTTPS with a self-signed certificate the locustfile trusts through
``LOCUST_CA_BUNDLE``, request and response buffering, gzip), and records nginx's own CPU
per request beside gunicorn's. The portal still sees every request from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))

from bench_app import make_bench_app  # noqa: E402
from bench_module_page import gunicorn  # noqa: E402
from bench_quiz_submit import fresh_postgres_database, percentile  # noqa: E402
from figures import Figure, write_json  # noqa: E402
from nginx_front import nginx_in_front  # noqa: E402

LOCUST = BENCH_DIR / ".venv-locust" / "bin" / "locust"
DB_NAME = os.environ.get("BENCH_LOCUST_DB", "pg_bench_locust")  # scratch: dropped first and at the end
PASSWORD = "bench-password-1"  # noqa: S105  (throwaway accounts in a scratch database)
EMAIL = "staff{n}@bench.example.org"
MODULE = "recognising-predatory-behaviour"


def prepare(users: int) -> int:
    """Migrate, bulk-insert the accounts with one shared hash; return the module's page count."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from training_portal.accounts.models import User
    from training_portal.accounts.passwords import hash_password
    from training_portal.extensions import db

    app = make_bench_app()
    with app.app_context():
        upgrade()
        password_hash = hash_password(PASSWORD)  # once: every account shares it
        db.session.execute(insert(User), [
            {"name": f"Staff {n}", "email": EMAIL.format(n=n), "password_hash": password_hash}
            for n in range(1, users + 1)])
        db.session.commit()
        db.engine.dispose()
        return len(app.extensions["catalog"].current.modules[MODULE].pages)


def analyse(log: Path) -> dict[str, Any]:
    rows = list(csv.DictReader(log.open()))
    times = [float(r["ms"]) for r in rows]
    logins = [r for r in rows if r["login"] == "1"]
    last_login = max((float(r["end"]) for r in logins), default=0.0)
    after = [float(r["ms"]) for r in rows if r["login"] == "0"]
    after_rush = [float(r["ms"]) for r in rows if r["login"] == "0" and float(r["end"]) > last_login]
    return {
        "requests": len(rows), "errors": sum(int(r["failed"]) for r in rows),
        "logins": sum(1 for r in logins if r["name"] == "POST /login"),
        "p50_ms": percentile(times, 0.50), "p95_ms": percentile(times, 0.95),
        "p99_ms": percentile(times, 0.99),
        "login_p50_ms": percentile([float(r["ms"]) for r in logins if r["name"] == "POST /login"], 0.5),
        "login_p99_ms": percentile([float(r["ms"]) for r in logins if r["name"] == "POST /login"], 0.99),
        "after_login_p50_ms": percentile(after, 0.50), "after_login_p99_ms": percentile(after, 0.99),
        "after_rush_requests": len(after_rush), "after_rush_p99_ms": percentile(after_rush, 0.99),
        "error_kinds": dict(Counter(r["error"] for r in rows if r["failed"] == "1")),
    }


def run_locust(host: str, pages: int, args: argparse.Namespace, log: Path,
               ca_bundle: Path | None = None) -> float:
    """Run the journey headless against ``host`` (a base address); return the wall seconds."""
    env = {**os.environ, "LOCUST_EMAIL": EMAIL, "LOCUST_PASSWORD": PASSWORD,
           "LOCUST_MODULE": MODULE, "LOCUST_PAGES": str(pages), "LOCUST_USERS": str(args.users),
           "LOCUST_LOG": str(log)}
    if ca_bundle is not None:
        env["LOCUST_CA_BUNDLE"] = str(ca_bundle)  # the locustfile trusts nginx's certificate
    command = [str(LOCUST), "-f", str(BENCH_DIR / "locustfile.py"), "--headless", "--only-summary",
               "-u", str(args.users), "-r", f"{args.users / args.arrival:.3f}",
               "--run-time", f"{args.max_seconds}s", "--host", host,
               "--loglevel", "WARNING"]
    started = time.monotonic()
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def figures(result: dict[str, Any]) -> list[Figure]:
    nginx = [Figure("locust: nginx CPU per request", result["nginx_cpu_ms"], "ms")] \
        if "nginx_cpu_ms" in result else []
    return [
        Figure("locust: errors", result["errors"], "", "0", result["errors"] == 0),
        Figure("locust: p99 overall", result["p99_ms"], "ms", "< 1,000 ms", result["p99_ms"] < 1000),
        Figure("locust: p99 after each user's log-in", result["after_login_p99_ms"], "ms",
               "< 250 ms", result["after_login_p99_ms"] < 250),
        Figure("locust: p99 after the last log-in", result["after_rush_p99_ms"], "ms"),
        Figure("locust: p50 overall", result["p50_ms"], "ms"),
        Figure("locust: p95 overall", result["p95_ms"], "ms"),
        Figure("locust: log-in (POST /login) p50", result["login_p50_ms"], "ms"),
        Figure("locust: server CPU per request", result["cpu_ms"], "ms"),
        *nginx,
    ]


def topology(nginx: bool) -> str:
    return ("through nginx (deploy/nginx-site.conf), HTTPS, gzip, static from nginx" if nginx
            else "no proxy")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--arrival", type=float, default=60, help="seconds over which users arrive")
    parser.add_argument("--max-seconds", type=int, default=400, help="stop locust after this")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="20 users over 10 s")
    parser.add_argument("--nginx", action="store_true",
                        help="through nginx (deploy/nginx-site.conf) in front of gunicorn")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.users, args.arrival = 20, 10
    return args


def main() -> None:
    args = parse_args()
    if not LOCUST.exists():
        sys.exit("Locust is not installed: make bench-tools (creates bench/.venv-locust)")
    server_url = os.environ.get("BENCH_POSTGRES", os.environ.get(
        "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    redis_url = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as tmp, \
            fresh_postgres_database(server_url, DB_NAME) as database_url:
        settings = {"BENCH_DATABASE_URL": database_url, "BENCH_SECRET_KEY": secrets.token_hex(32),
                    "BENCH_RATELIMIT_STORAGE_URI": redis_url,
                    "LOGIN_IP_RATE_LIMIT": "1000 per minute"}
        os.environ.update(settings)
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        pages = prepare(args.users)
        log = Path(tmp) / "requests.csv"
        with gunicorn({**os.environ}, args.workers) as server:
            if args.nginx:
                # each of the users holds a connection to nginx, and nginx one to gunicorn
                with nginx_in_front(Path(tmp), server.port, worker_connections=4 * args.users) as front:
                    cpu_before, nginx_before = server.cpu_seconds(), front.cpu_seconds()
                    wall = run_locust(f"https://127.0.0.1:{front.port}", pages, args, log, front.certificate)
                    cpu, nginx_cpu = server.cpu_seconds() - cpu_before, front.cpu_seconds() - nginx_before
            else:
                cpu_before = server.cpu_seconds()
                wall = run_locust(f"http://127.0.0.1:{server.port}", pages, args, log)
                cpu = server.cpu_seconds() - cpu_before
        result = analyse(log)
    result["cpu_ms"] = cpu * 1000 / max(result["requests"], 1)
    if args.nginx:
        result["nginx_cpu_ms"] = nginx_cpu * 1000 / max(result["requests"], 1)
    result["wall_s"] = wall
    print(f"{args.users} users over {args.arrival:.0f} s: {result['requests']} requests in {wall:.0f} s, "
          f"{result['errors']} errors; p50 {result['p50_ms']:.0f} / p95 {result['p95_ms']:.0f} / "
          f"p99 {result['p99_ms']:.0f} ms; after log-in p99 {result['after_login_p99_ms']:.0f} ms; "
          f"after the rush p99 {result['after_rush_p99_ms']:.0f} ms; log-in p50 "
          f"{result['login_p50_ms']:.0f} ms; CPU {result['cpu_ms']:.1f} ms/request; "
          f"errors: {result['error_kinds'] or 'none'}")
    write_json(args.json, "locust", figures(result),
               [f"{args.users} users over {args.arrival:.0f} s, PostgreSQL, Redis rate limits, "
                f"LOGIN_IP_RATE_LIMIT raised to 1000 per minute; gunicorn {args.workers} sync "
                f"workers, {topology(args.nginx)}; load average {load_start[0]:.2f} → "
                f"{os.getloadavg()[0]:.2f}"],
               result=result)


if __name__ == "__main__":
    main()
