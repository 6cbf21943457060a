"""Venue training overview: the manager's matrix page for 500 staff × 10 modules.

    .venv/bin/python bench/bench_venue_overview.py [-n 50] [--staff 500]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_venue_overview.py

Budget (PRODUCT.md): venue dashboard, 500 staff × 10 modules, < 150 ms; SQL statements
independent of the staff count.

In-process (Flask test client, signed in as the venue's manager). Ten small generated modules
are written to a temporary CONTENT_DIR (some at version 2.0, so older passes need the
refresher). The venue is filled with bulk inserts: staff who joined over two years, 10 % more
who have left, and per person and module a pass (with its attempt, certificate and every page
read), an unfinished start (pages read, failed attempts) or nothing. Then it times
GET /venues/<id>/training (its first page of 100 people, a later page, and the filtered,
former-staff variant) N times each after a
warm-up, prints median / p95 / max and the SQL statements per request, and checks the count is
the same for a venue a tenth the size. SQLite always; PostgreSQL too when DATABASE_URL (or
--postgres) names a server: a fresh database is created there and dropped at the end.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_quiz_submit import StatementCounter, fresh_postgres_database, percentile  # noqa: E402
from figures import Figure, write_json  # noqa: E402
from flask import Flask  # noqa: E402
from flask_login import FlaskLoginClient  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from training_portal import create_app  # noqa: E402
from training_portal.extensions import db  # noqa: E402

MODULES = 10
PAGES_PER_MODULE = 3
URLS = ("/venues/{id}/training", "/venues/{id}/training?page=3",
        "/venues/{id}/training?status=expired&sort=activity&leavers=1")


@dataclass(frozen=True)
class Result:
    backend: str
    url: str
    timings_ms: list[float]
    cpu_ms: list[float]  # this thread's CPU time per request (the app's Python work, not the server's)
    statements: float
    statements_small_venue: float
    page_kb: float
    gzip_kb: float  # what travels with gzip (level 6), as behind a compressing proxy


# --- content ---------------------------------------------------------------------------

def write_modules(folder: Path) -> list[tuple[str, str, int]]:
    """Ten published modules; returns (slug, version, valid_for_months) for each."""
    made = []
    for i in range(1, MODULES + 1):
        slug, version, months = f"bench-{i:02d}", ("2.0" if i % 3 == 0 else "1.0"), (12 if i % 2 else 24)
        home = folder / "modules" / slug
        home.mkdir(parents=True)
        pages = "\n".join(f"## Page {p}\n\nShort text for page {p} of module {i}.\n"
                          for p in range(1, PAGES_PER_MODULE + 1))
        (home / "module.md").write_text(
            f'---\ntitle: Bench module {i}\nsummary: Generated for the benchmark.\norder: {i}\n'
            f'estimated_minutes: 5\nversion: "{version}"\nvalid_for_months: {months}\n'
            f'status: published\n---\n\n{pages}', encoding="utf-8")
        (home / "quiz.yaml").write_text(
            "pass_mark: 50\nquestions_per_attempt: 1\nquestions:\n"
            "  - id: q1\n    type: true_false\n    text: Patterns matter.\n    answer: true\n"
            "    explanation: They do.\n", encoding="utf-8")
        made.append((slug, version, months))
    return made


# --- data ------------------------------------------------------------------------------

class Filler:
    """Bulk rows with explicit ids (one insert per table), reproducible from a seed."""

    def __init__(self, seed: int, modules: list[tuple[str, str, int]], today: date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - test data, not security
        self.modules, self.today = modules, today
        self.rows: dict[str, list[dict[str, Any]]] = {k: [] for k in (
            "users", "memberships", "attempts", "completions", "certificates", "page_views")}
        self.next_id: dict[str, int] = {k: 1 for k in self.rows}

    def add(self, table: str, **row: Any) -> int:
        row_id = self.next_id[table]
        self.next_id[table] += 1
        self.rows[table].append({"id": row_id, **row})
        return row_id

    def venue(self, venue_id: int, staff: int) -> None:
        for n in range(staff + staff // 10):
            left = n >= staff
            joined = self._moment(self.rng.randint(0, 730))
            user_id = self.add("users", name=f"Person {venue_id}-{n:04d} {self.rng.choice('ABCDEFGH')}",
                               email=f"p{venue_id}-{n}@example.org", is_trainer=False, is_admin=False,
                               is_disabled=False, session_version=1)
            self.add("memberships", user_id=user_id, venue_id=venue_id, role="staff", joined_at=joined,
                     left_at=self._moment(self.rng.randint(0, 60)) if left else None)
            for module in self.modules:
                self._record(user_id, module, joined)

    def _record(self, user_id: int, module: tuple[str, str, int], joined: datetime) -> None:
        slug, version, months = module
        roll = self.rng.random()
        days_since_join = max(1, (self.today - joined.date()).days)
        if roll < 0.55:
            passed = joined + timedelta(days=self.rng.randint(0, days_since_join))
            passed_version = "1.0" if version == "2.0" and self.rng.random() < 0.3 else version
            self._pages(user_id, slug, PAGES_PER_MODULE, passed)
            attempt = self._attempt(user_id, slug, passed_version, passed, True)
            completion = self.add(
                "completions", user_id=user_id, attempt_id=attempt, module_slug=slug,
                module_title=slug, module_version=passed_version, content_hash="0" * 64, score=100,
                passed_at=passed, expires_on=(passed + timedelta(days=30 * months)).date())
            self.add("certificates", completion_id=completion, code=secrets.token_hex(8).upper(),
                     issued_at=passed, holder_name=f"Person {user_id}", module_title=slug,
                     module_version=passed_version, passed_on=passed.date(),
                     expires_on=(passed + timedelta(days=30 * months)).date())
        elif roll < 0.75:
            started = joined + timedelta(days=self.rng.randint(0, days_since_join))
            self._pages(user_id, slug, self.rng.randint(1, PAGES_PER_MODULE), started)
            for _ in range(self.rng.randint(0, 2)):
                self._attempt(user_id, slug, version, started, False)

    def _pages(self, user_id: int, slug: str, count: int, when: datetime) -> None:
        for page in range(1, count + 1):
            self.add("page_views", user_id=user_id, module_slug=slug, page_number=page, viewed_at=when)

    def _attempt(self, user_id: int, slug: str, version: str, when: datetime, passed: bool) -> int:
        return self.add("attempts", public_id=secrets.token_urlsafe(12), user_id=user_id,
                        module_slug=slug, module_version=version, content_hash="0" * 64,
                        drawn=[{"question": "q1", "choices": []}], answers={"q1": ["true"]},
                        results={"q1": passed}, started_at=when, graded_at=when,
                        score=100 if passed else 0, passed=passed)

    def _moment(self, days_ago: int) -> datetime:
        day = self.today - timedelta(days=days_ago)
        return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def fill(app: Flask, staff: int, modules: list[tuple[str, str, int]]) -> tuple[int, int, int]:
    """Two venues (``staff`` and a tenth of it) and their manager; returns (big, small, manager id)."""
    from training_portal.accounts.models import User
    from training_portal.certificates.models import Certificate
    from training_portal.learning.models import Attempt, Completion, PageView
    from training_portal.venues.models import Membership, Venue

    filler = Filler(7, modules, date.today())
    manager_id = filler.add("users", name="Bench Manager", email="manager@example.org",
                            is_trainer=False, is_admin=False, is_disabled=False, session_version=1)
    with app.app_context():
        db.session.execute(insert(Venue), [
            {"id": v, "name": f"Bench venue {v}", "address": "1 High St", "postcode": "AB1 2CD",
             "join_code": f"BENCH00{v}", "created_by_id": None, "starter_deadline_days": 14}
            for v in (1, 2)])
        for venue_id, size in ((1, staff), (2, max(1, staff // 10))):
            filler.add("memberships", user_id=manager_id, venue_id=venue_id, role="manager",
                       joined_at=filler._moment(800), left_at=None)
            filler.venue(venue_id, size)
        for model in (User, Membership, Attempt, Completion, Certificate, PageView):
            rows = filler.rows[model.__tablename__]
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(model), rows[start:start + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        counts = {k: len(v) for k, v in filler.rows.items()}
    print(f"  rows: {counts}")
    return 1, 2, manager_id


# --- timing ----------------------------------------------------------------------------

def bench_app(database_url: str, content_dir: Path) -> Flask:
    app = create_app({"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": database_url,
                      "CONTENT_DIR": str(content_dir), "MAIL_BACKEND": "memory",
                      "RATELIMIT_STORAGE_URI": "memory://", "CONTENT_RELOAD_SECONDS": 3600,
                      # One session check per run, so the statement count is the page's own.
                      "SESSION_CHECK_SECONDS": 3600})
    app.test_client_class = FlaskLoginClient
    return app


def run_backend(backend: str, database_url: str, args: argparse.Namespace, content: Path) -> list[Result]:
    from flask_migrate import upgrade

    from training_portal.accounts.models import User

    modules = write_modules_once(content)
    app = bench_app(database_url, content)
    assert len(app.extensions["catalog"].current.published()) == MODULES, "generated modules did not load"
    with app.app_context():
        upgrade()
    big, small, manager_id = fill(app, args.staff, modules)
    with app.app_context():
        manager = db.session.get(User, manager_id)
    client = app.test_client(user=manager)
    counter = StatementCounter(app)
    results = []
    for url in URLS:
        results.append(time_url(backend, client, counter, url, big, small, args))
    with app.app_context():
        db.engine.dispose()
    return results


_written: list[tuple[str, str, int]] = []


def write_modules_once(content: Path) -> list[tuple[str, str, int]]:
    if not _written:
        _written.extend(write_modules(content))
    return _written


def time_url(backend: str, client: Any, counter: StatementCounter, url: str, big: int, small: int,
             args: argparse.Namespace) -> Result:
    address = url.format(id=big)
    for _ in range(args.warmup):
        body = client.get(address).get_data()
    assert f"{args.staff + 1} current staff".encode() in body or b"Showing" in body, "unexpected page"
    timings, cpu, statements = [], [], 0
    for _ in range(args.n):
        counter.active, counter.count = True, 0
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(address)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        counter.active = False
        statements += counter.count
        assert response.status_code == 200
    small_statements = 0
    for _ in range(5):
        counter.active, counter.count = True, 0
        client.get(url.format(id=small))
        counter.active = False
        small_statements += counter.count
    return Result(backend, url, timings, cpu, statements / args.n, small_statements / 5, len(body) / 1024,
                  len(gzip.compress(body, 6)) / 1024)


def report(results: list[Result], args: argparse.Namespace) -> None:
    print(f"\n{args.staff} current staff (+10 % former) × {MODULES} modules; {args.n} requests per "
          f"address after {args.warmup} warm-up; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n| database | address | median | p95 | max | CPU median | SQL statements (big / small venue) "
          "| HTML | gzip |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        t = r.timings_ms
        print(f"| {r.backend} | `{r.url}` | {statistics.median(t):.0f} ms | {percentile(t, 0.95):.0f} ms | "
              f"{max(t):.0f} ms | {statistics.median(r.cpu_ms):.0f} ms | "
              f"{r.statements:.1f} / {r.statements_small_venue:.1f} | {r.page_kb:.0f} KB | "
              f"{r.gzip_kb:.0f} KB |")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="timed requests per address and database")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--staff", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL server URL (default: $DATABASE_URL); empty: SQLite only")
    parser.add_argument("--json", help="also write the figures to this file (run_all.py)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-venue-") as tmp:
        folder = Path(tmp)
        content = folder / "content"
        print("SQLite …")
        results += run_backend("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}", args, content)
        if args.postgres.startswith("postgres"):
            print("PostgreSQL …")
            with fresh_postgres_database(args.postgres) as url:
                results += run_backend("PostgreSQL", url, args, content)
    report(results, args)
    write_json(args.json, "venue_overview", figures(results, args.staff),
               [f"{args.n} requests per address in process (Flask test client); budget on PostgreSQL"])


def figures(results: list[Result], staff: int) -> list[Figure]:
    """The unfiltered matrix's median per database, and statement counts across every address."""
    found = []
    for r in results:
        if "?" in r.url:
            continue
        median = statistics.median(r.timings_ms)
        postgres = r.backend == "PostgreSQL"
        found.append(Figure(f"venue matrix {staff} staff × {MODULES} modules, {r.backend}: median",
                            median, f"ms (CPU {statistics.median(r.cpu_ms):.0f} ms)",
                            "< 150 ms" if postgres else "", median < 150 if postgres else None))
    counts = sorted({c for r in results for c in (r.statements, r.statements_small_venue)})
    found.append(Figure(f"venue matrix: SQL statements, {staff} / {staff // 10} staff, every address",
                        max(counts), f"(seen: {', '.join(f'{c:g}' for c in counts)})",
                        "independent of staff",
                        all(r.statements == r.statements_small_venue for r in results)))
    return found


if __name__ == "__main__":
    main()
