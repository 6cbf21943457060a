"""`flask reminders send` over 1,000 venues / 20,000 staff (budget: under 60 s).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_reminders.py
    .venv/bin/python bench/bench_reminders.py --venues 100 --staff 2000      # SQLite, smaller

Builds a fresh PostgreSQL database (created, then dropped) when DATABASE_URL or --postgres
names a server, else a migrated SQLite file in a temporary folder, all rows by bulk insert:
venues with a spread of policies (a third renew every 6 months, a quarter require only some
modules, half give new starters 14 days), two managers each, staff of whom one in twenty also
works at a second venue, and for each person and shipped module a pass (expiry dates spread
over the past and next year), a page read, or nothing. Then it times, in-process, the real
run (claims and queues every mail), a second run (sends nothing) and a dry run, with the SQL
statements each sent. ``--json`` writes the three against the budget (run_all.py); ``--quick``
is 50 venues / 1,000 staff (make bench BENCH_QUICK=1).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bench.bench_quiz_submit import (  # noqa: E402
    StatementCounter,
    bench_app,
    fresh_postgres_database,
)
from bench.figures import Figure, write_json  # noqa: E402
from training_portal.extensions import db  # noqa: E402

TODAY = date(2026, 11, 30)
BUDGET_S = 60


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 20, tzinfo=UTC)


def _venues(count: int) -> list[dict[str, Any]]:
    return [{"id": v, "name": f"Venue {v}", "address": "1 High Street", "postcode": "AB1 2CD",
             "join_code": f"{v:08d}", "created_at": _at(TODAY),
             "refresher_months": 6 if v % 3 == 0 else None,
             "required_modules": ["ask-for-angela", "drink-spiking"] if v % 4 == 0 else None,
             "starter_deadline_days": 14 if v % 2 == 0 else None} for v in range(1, count + 1)]


def _memberships(venues: int, staff: int) -> list[dict[str, Any]]:
    rows = []
    for user_id in range(1, staff + 1):
        venue = (user_id - 1) % venues + 1
        joined = _at(TODAY - timedelta(days=user_id % 400))
        role = "manager" if (user_id - 1) // venues < 2 else "staff"
        rows.append({"user_id": user_id, "venue_id": venue, "role": role, "joined_at": joined})
        if user_id % 20 == 0:  # also works at the next venue
            rows.append({"user_id": user_id, "venue_id": venue % venues + 1, "role": "staff",
                         "joined_at": joined})
    return rows


def _learning(app: Flask, staff: int) -> tuple[list[dict[str, Any]], ...]:
    from training_portal.timeutil import add_months

    modules = [m for m in app.extensions["catalog"].current.ordered if m.is_published]
    attempts, completions, views = [], [], []
    for user_id in range(1, staff + 1):
        for index, module in enumerate(modules):
            kind = (user_id * 7 + index) % 20
            if kind == 19:
                continue  # not started
            if kind == 18:
                views.append({"user_id": user_id, "module_slug": module.slug, "page_number": 1,
                              "viewed_at": _at(TODAY)})
                continue
            passed_on = TODAY - timedelta(days=(user_id * 13 + index * 37) % 540)
            ident = len(attempts) + 1
            attempts.append({"id": ident, "public_id": secrets.token_urlsafe(16),
                             "user_id": user_id, "module_slug": module.slug,
                             "module_version": module.version, "content_hash": "0" * 64,
                             "drawn": [], "answers": {}, "results": {}, "score": 100,
                             "passed": True, "started_at": _at(passed_on),
                             "graded_at": _at(passed_on)})
            completions.append({"id": ident, "user_id": user_id, "attempt_id": ident,
                                "module_slug": module.slug, "module_title": module.title,
                                "module_version": module.version, "content_hash": "0" * 64,
                                "score": 100, "passed_at": _at(passed_on),
                                "expires_on": add_months(passed_on, module.valid_for_months)})
    return attempts, completions, views


def build(app: Flask, venues: int, staff: int) -> None:
    from training_portal.accounts.models import User
    from training_portal.learning.models import Attempt, Completion, PageView
    from training_portal.venues.models import Membership, Venue

    with app.app_context():
        db.session.execute(insert(User), [
            {"id": i, "name": f"Person {i}", "email": f"p{i}@example.org", "password_hash": None,
             "created_at": _at(TODAY), "is_disabled": i % 500 == 0} for i in range(1, staff + 1)])
        db.session.execute(insert(Venue), _venues(venues))
        memberships = _memberships(venues, staff)
        db.session.execute(insert(Membership), memberships)
        attempts, completions, views = _learning(app, staff)
        for model, rows in ((Attempt, attempts), (Completion, completions), (PageView, views)):
            for start in range(0, len(rows), 20000):
                db.session.execute(insert(model), rows[start:start + 20000])
        if db.engine.dialect.name == "postgresql":
            for table in ("users", "venues", "memberships", "attempts", "completions",
                          "page_views"):  # ids were given: the run inserts into none of these
                db.session.execute(db.text(f"ANALYZE {table}"))
        db.session.commit()
        print(f"{venues} venues, {staff} people, {len(memberships)} memberships, "
              f"{len(completions)} passes, {len(views)} part-way")


def timed_run(app: Flask, counter: StatementCounter, label: str, dry_run: bool = False) -> Figure:
    from training_portal.notifications.models import QueuedMail
    from training_portal.reminders.services import send_reminders

    with app.app_context():
        counter.count, counter.active = 0, True
        started, cpu = time.perf_counter(), time.process_time()
        summary = send_reminders(TODAY, 30, dry_run=dry_run)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        counter.active = False
        queued = db.session.scalar(select(func.count()).select_from(QueuedMail))
    verdict = "ok" if wall < BUDGET_S else "OVER BUDGET"
    print(f"{label:<12} {wall:6.1f} s wall, {cpu:6.1f} s CPU, {counter.count:>6} statements: "
          f"{summary.line()}; {queued} mails in the queue  [{verdict}]")
    return Figure(f"reminders send, {label}", wall, f"s (CPU {cpu:.1f} s, {counter.count:,} SQL statements)",
                  f"< {BUDGET_S} s", wall < BUDGET_S)


def run(database_url: str, args: argparse.Namespace, tmp: Path, label: str) -> list[Figure]:
    from flask_migrate import upgrade

    app = bench_app(database_url, tmp)
    with app.app_context():
        upgrade()
    build(app, args.venues, args.staff)
    counter = StatementCounter(app)
    print(f"-- {label}")
    found = [timed_run(app, counter, "first run"), timed_run(app, counter, "second run"),
             timed_run(app, counter, "dry run", dry_run=True)]
    with app.app_context():
        db.engine.dispose()
    where = f"{args.venues:,} venues / {args.staff:,} staff, {label}"
    return [Figure(f"{f.name} ({where})", f.value, f.unit, f.budget, f.met) for f in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venues", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=20000)
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL"),
                        help="a PostgreSQL server URL; a fresh database is made beside it")
    parser.add_argument("--quick", action="store_true", help="50 venues, 1,000 staff (make bench BENCH_QUICK=1)")
    parser.add_argument("--json", help="also write the figures to this file (run_all.py)")
    parser.add_argument("--scratch-db", default=f"pg_bench_dash_reminders_{secrets.token_hex(3)}",
                        help="name of the scratch PostgreSQL database (made, then dropped)")
    args = parser.parse_args()
    if args.quick:
        args.venues, args.staff = 50, 1000
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if args.postgres:
            with fresh_postgres_database(args.postgres, args.scratch_db) as url:
                found = run(url, args, tmp, "PostgreSQL")
        else:
            found = run(f"sqlite:///{tmp / 'bench.sqlite3'}", args, tmp, "SQLite")
    write_json(args.json, "reminders", found, [
        f"send_reminders in process (the service behind the command), today {TODAY}, 30 days; "
        "second run finds everything sent; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())])


if __name__ == "__main__":
    main()
