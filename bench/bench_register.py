"""Training register for a venue of 500 staff, end to end (budget: PDF < 2 s).

    .venv/bin/python bench/bench_register.py [--staff 500] [-n 7]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_register.py

In-process, through the app's test client as the venue's manager: each timed request loads
the venue, runs the overview queries, applies the status rule to every person × published
module of the shipped content, and renders the PDF (or CSV, or the inspection page). Data
is built with bulk inserts on a migrated, file-based SQLite database in a temporary folder,
or on a fresh PostgreSQL database (created, then dropped) when DATABASE_URL or --postgres
names a server. Staff are a realistic mix: most hold a pass with a certificate on each
module, some expired, some part-way through, some not started; names in several scripts.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bench.bench_quiz_submit import (  # noqa: E402
    StatementCounter,
    bench_app,
    fresh_postgres_database,
    percentile,
)
from training_portal.extensions import db  # noqa: E402

NAMES = ["Zoë Łukasiewicz", "Αλέξης Παπαδόπουλος", "Ахмед Мұхамеджан", "Sam O'Neill",
         "Priya Raghunathan", "Mary-Jane Okonkwo-Smith", "Nguyễn Thị Minh Khai"]
BUDGET_MS = 2000


def build_venue(app: Flask, staff: int) -> tuple[Any, int, str]:
    """The manager, the venue id and a working inspection token; all rows by bulk insert."""
    from training_portal.accounts.models import User
    from training_portal.certificates.codes import new_code, normalise
    from training_portal.certificates.models import Certificate
    from training_portal.dashboards import inspections
    from training_portal.learning.models import Attempt, Completion, PageView
    from training_portal.venues.models import Membership, Venue

    modules = [m for m in app.extensions["catalog"].current.ordered if m.is_published]
    now = datetime.now(UTC)
    today = now.date()
    with app.app_context():
        db.session.execute(insert(User), [
            {"id": i, "name": f"{NAMES[i % len(NAMES)]} {i}", "email": f"staff{i}@example.org",
             "password_hash": None, "created_at": now} for i in range(1, staff + 2)])
        db.session.execute(insert(Venue), [{
            "id": 1, "name": "The Lamplighter", "address": "1 High Street, Town",
            "postcode": "AB1 2CD", "licence_number": "LN/0042", "join_code": "BCDF2345",
            "created_by_id": 1, "created_at": now, "refresher_months": 12}])
        db.session.execute(insert(Membership), [
            {"user_id": i, "venue_id": 1, "role": "manager" if i == 1 else "staff",
             "joined_at": now - timedelta(days=400)} for i in range(1, staff + 2)])
        attempts, completions, certificates, views = [], [], [], []
        for user_id in range(1, staff + 2):
            for index, module in enumerate(modules):
                kind = (user_id + index) % 10
                if kind == 9:  # not started
                    continue
                if kind == 8:  # reading
                    views.append({"user_id": user_id, "module_slug": module.slug,
                                  "page_number": 1, "viewed_at": now})
                    continue
                passed_on = today - timedelta(days=500 if kind == 7 else 30 + user_id % 300)
                passed_at = datetime(passed_on.year, passed_on.month, passed_on.day, 20, tzinfo=UTC)
                ident = len(attempts) + 1
                attempts.append({"id": ident, "public_id": secrets.token_urlsafe(16),
                                 "user_id": user_id, "module_slug": module.slug,
                                 "module_version": module.version, "content_hash": "0" * 64,
                                 "drawn": [], "answers": {}, "results": {}, "score": 100,
                                 "passed": True, "started_at": passed_at, "graded_at": passed_at})
                completions.append({"id": ident, "user_id": user_id, "attempt_id": ident,
                                    "module_slug": module.slug, "module_title": module.title,
                                    "module_version": module.version, "content_hash": "0" * 64,
                                    "score": 100, "passed_at": passed_at,
                                    "expires_on": _months_later(passed_on, module.valid_for_months)})
                certificates.append({"completion_id": ident, "code": normalise(new_code()),
                                     "issued_at": passed_at, "holder_name": f"Person {user_id}",
                                     "module_title": module.title, "module_version": module.version,
                                     "passed_on": passed_on,
                                     "expires_on": _months_later(passed_on, module.valid_for_months)})
        for model, rows in ((Attempt, attempts), (Completion, completions),
                            (Certificate, certificates), (PageView, views)):
            if rows:
                db.session.execute(insert(model), rows)
        manager = db.session.get(User, 1)
        venue = db.session.get(Venue, 1)
        _link, token = inspections.create_link(manager, venue, "Bench", 30)
        db.session.commit()
        print(f"{staff + 1} people × {len(modules)} published modules: {len(completions)} passes, "
              f"{len(views)} part-way, {(staff + 1) * len(modules) - len(completions) - len(views)} "
              "not started")
        return manager, 1, token


def _months_later(day: date, months: int) -> date:
    from training_portal.timeutil import add_months

    return add_months(day, months)


def timed(client: Any, url: str, counter: StatementCounter,
          runs: int) -> tuple[list[float], list[float], int, int]:
    """Wall and CPU milliseconds per request (after one warm-up), statements per request, size.

    CPU time (this process only) is the steadier figure on a shared machine: other people's
    work delays the wall clock, not the CPU a request needs.
    """
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    wall, cpu = [], []
    counter.count = 0
    for _ in range(runs):
        counter.active = True
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        counter.active = False
        assert response.status_code == 200
    return wall, cpu, counter.count // runs, len(response.get_data())


def run(database_url: str, args: argparse.Namespace, tmp: Path, label: str) -> None:
    from flask_migrate import upgrade

    app = bench_app(database_url, tmp)
    app.config["INSPECT_RATE_LIMIT"] = "10000 per minute"
    with app.app_context():
        upgrade()
    manager, venue_id, token = build_venue(app, args.staff)
    counter = StatementCounter(app)
    client = app.test_client(user=manager)
    print(f"\n{label}, {args.n} requests each after a warm-up, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n| request | median | p95 | max | CPU median | SQL statements | size |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, url in ((f"register PDF (budget < {BUDGET_MS} ms)", f"/venues/{venue_id}/register.pdf"),
                      ("register CSV", f"/venues/{venue_id}/register.csv"),
                      ("inspection page (HTML)", f"/inspect/{token}"),
                      ("inspection link PDF", f"/inspect/{token}/register.pdf")):
        wall, cpu, statements, size = timed(client, url, counter, args.n)
        print(f"| {name} | {statistics.median(wall):.0f} ms | {percentile(wall, 0.95):.0f} ms"
              f" | {max(wall):.0f} ms | {statistics.median(cpu):.0f} ms | {statements}"
              f" | {size / 1024:.0f} KB |")
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=500, help="staff besides the manager")
    parser.add_argument("-n", type=int, default=7, help="timed requests per URL")
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL server URL (default: $DATABASE_URL); empty: SQLite only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-register-") as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args, Path(tmp), "SQLite")
        if args.postgres:
            with fresh_postgres_database(args.postgres) as url:
                run(url, args, Path(tmp), "PostgreSQL")


if __name__ == "__main__":
    main()
