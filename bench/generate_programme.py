"""A full-scale programme in a scratch PostgreSQL database, for bench_partnership.py.

    .venv/bin/python bench/generate_programme.py [--db portal_pship_bench] [--scale 1.0]

Drops and re-creates the database, migrates it to head, bulk-loads with COPY (psycopg), then
builds the learner summary with `flask reports refresh` (COPY skips grading, as data from
before an upgrade does):
1,000 venues in 10 areas (varied policies: refreshers, required modules, starter deadlines),
20,000 current staff (one in ten at a second venue) plus 3,000 leavers, about 150,000
completions and 400,000 attempts over two years (first tries, failures, refreshers), and
confidence ratings before and after. Deterministic (seeded). Prints the row counts.
`--scale 0.1` makes a tenth of everything (for the statement-count comparison).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HOST = "postgresql://postgres@127.0.0.1:5432"
AREAS = ["Northgate", "Riverside", "Old Town", "Harbour", "University", "Market Square", "Castle Hill",
         "Station Quarter", "West End", "Docklands"]
MODULES = ["recognising-predatory-behaviour", "drink-spiking", "ask-for-angela", "vulnerability-and-welfare",
           "intervening-safely", "recording-and-reporting"]
TITLE = {slug: slug.replace("-", " ").capitalize() for slug in MODULES}
FAILS = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4]  # failed tries before a pass
HASH = "0" * 64


def _flask(url: str, *args: str) -> None:
    env = {"DATABASE_URL": url, "FLASK_APP": "wsgi", "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parents[1]
    subprocess.run([str(root / ".venv/bin/flask"), *args], cwd=root, env=env, check=True, capture_output=True)


def create_database(name: str) -> str:
    with psycopg.connect(f"{HOST}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{HOST}/{name}"
    _flask(url, "db", "upgrade")
    return url


class Rows:
    def __init__(self, scale: float, today: date, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.start = datetime.combine(today - timedelta(days=730), datetime.min.time(), UTC)
        self.n_venues = max(10, int(1000 * scale))
        self.n_staff = max(20, int(20000 * scale))
        self.n_leavers = int(3000 * scale)
        self.users: list[tuple] = []
        self.venues: list[tuple] = []
        self.memberships: list[tuple] = []
        self.attempts: list[tuple] = []
        self.completions: list[tuple] = []
        self.ratings: list[tuple] = []

    def moment(self, after: datetime, within_days: float) -> datetime:
        return after + timedelta(seconds=self.rng.uniform(0, within_days * 86400))

    def build(self) -> None:
        rng, now = self.rng, datetime.now(UTC)
        self.users.append((1, "Partnership admin", "admin@bench.example", None, False, True, False, 1, now))
        for v in range(1, self.n_venues + 1):
            required = '["recognising-predatory-behaviour", "drink-spiking"]' if v % 4 == 0 else None
            self.venues.append((v, f"Venue {v:04d}", f"{v} High Street", "AB1 2CD", f"J{v:07d}", None,
                                self.start, AREAS[v % len(AREAS)] if v % 20 else None,
                                6 if v % 3 == 0 else None, required, 14 if v % 5 == 0 else None))
        total = self.n_staff + self.n_leavers
        for i in range(total):
            user_id = i + 2
            self.users.append((user_id, f"Staff {user_id}", f"staff{user_id}@bench.example", None, False, False,
                               False, 1, self.start))
            joined = self.moment(self.start, 700)
            left = None if i < self.n_staff else self.moment(joined, max((now - joined).days, 1))
            venue_id = rng.randint(1, self.n_venues)
            self.memberships.append((user_id, venue_id, "staff", joined, left))
            if i < self.n_staff and i % 10 == 0:  # a second venue, never the same one
                second = venue_id % self.n_venues + 1
                self.memberships.append((user_id, second, "staff", self.moment(joined, 30), None))
            self.train(user_id, joined, now)

    def train(self, user_id: int, joined: datetime, now: datetime) -> None:
        rng = self.rng
        for slug in MODULES:
            if rng.random() > 0.85:
                continue
            t = self.moment(joined, 40)
            if rng.random() < 0.9:
                self.ratings.append((user_id, slug, "1.0", "before", rng.choice([1, 2, 2, 3, 3, 4, None]), None, t))
            while t < now:
                for _ in range(rng.choice(FAILS)):
                    self.attempt(user_id, slug, t, False)
                    t += timedelta(minutes=rng.randint(2, 600))
                if t >= now:
                    break
                attempt_id = self.attempt(user_id, slug, t, True)
                self.completions.append((user_id, attempt_id, slug, TITLE[slug], "1.0", HASH, 90, t,
                                         _add_year(t.date())))
                if rng.random() < 0.8:
                    self.ratings.append((user_id, slug, "1.0", "after", rng.choice([3, 4, 4, 5, 5, None]),
                                         attempt_id, t + timedelta(minutes=1)))
                if rng.random() < 0.45:
                    break  # no refresher (yet)
                t = self.moment(t + timedelta(days=300), 120)  # the refresher, if it falls before today

    def attempt(self, user_id: int, slug: str, at: datetime, passed: bool) -> int:
        attempt_id = len(self.attempts) + 1
        self.attempts.append((attempt_id, f"b{attempt_id:031d}", user_id, slug, "1.0", HASH, "[]", at,
                              at + timedelta(minutes=4), 90 if passed else 40, passed))
        return attempt_id


def _add_year(day: date) -> date:
    return day.replace(year=day.year + 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year + 1)


TABLES = {
    "users": ("id, name, email, password_hash, is_trainer, is_admin, is_disabled, session_version, created_at",
              "users"),
    "venues": ("id, name, address, postcode, join_code, created_by_id, created_at, area, refresher_months, "
               "required_modules, starter_deadline_days", "venues"),
    "memberships": ("user_id, venue_id, role, joined_at, left_at", "memberships"),
    "attempts": ("id, public_id, user_id, module_slug, module_version, content_hash, drawn, started_at, "
                 "graded_at, score, passed", "attempts"),
    "completions": ("user_id, attempt_id, module_slug, module_title, module_version, content_hash, score, "
                    "passed_at, expires_on", "completions"),
    "confidence_ratings": ("user_id, module_slug, module_version, stage, rating, attempt_id, created_at",
                           "ratings"),
}


def load(url: str, rows: Rows) -> None:
    with psycopg.connect(url) as conn:
        for table, (columns, attr) in TABLES.items():
            data = getattr(rows, attr)
            if table == "venues":  # the join code is unique: derive it from the id
                data = [(*r[:4], f"V{r[0]:07d}", *r[5:]) for r in data]
            with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row([_naive(v) for v in row])
        for table in ("users", "venues", "attempts"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608 - fixed names
        conn.execute("ANALYZE")


def _naive(value: object) -> object:
    """Stored as naive UTC, as the app's UTCDateTime column does."""
    return value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="portal_pship_bench")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    started = time.perf_counter()
    url = create_database(args.db)
    rows = Rows(args.scale, date.today())
    rows.build()
    load(url, rows)
    loaded = time.perf_counter()
    _flask(url, "reports", "refresh")  # rows loaded by COPY skip grading: build the summary, as after an upgrade
    with psycopg.connect(url) as conn:
        conn.execute("ANALYZE learner_module_summary")
    print(f"{url}: {len(rows.venues):,} venues, {len(rows.users) - 1:,} staff "
          f"({rows.n_leavers:,} leavers only), {len(rows.memberships):,} memberships, "
          f"{len(rows.completions):,} completions, {len(rows.attempts):,} attempts, "
          f"{len(rows.ratings):,} confidence ratings in {loaded - started:.0f} s; learner summary "
          f"(flask reports refresh) in {time.perf_counter() - loaded:.0f} s")


if __name__ == "__main__":
    main()
