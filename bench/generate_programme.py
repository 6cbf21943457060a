"""A full-scale programme in a scratch PostgreSQL database, shared by the dashboards at scale.

    .venv/bin/python bench/generate_programme.py [--db pg_bench_dash_programme] [--scale 1.0]
    .venv/bin/python bench/generate_programme.py --drop [--db pg_bench_dash_programme]

Drops and re-creates the database on the server ``--postgres`` names (default
``$BENCH_POSTGRES``, else the local server), migrates it to head, bulk-loads with COPY
(psycopg), then builds the learner summary with `flask reports refresh` (COPY skips grading,
as data from before an upgrade does):
1,000 venues in 10 areas (varied policies: refreshers, required modules, starter deadlines),
20,000 current staff (one in ten at a second venue) plus 3,000 leavers, named from 26 first ×
20 last names (so "smith" matches about 1,000 people), about 150,000 completions each with its
certificate, and 400,000 graded attempts over two years (first tries, failures, refreshers) of
the six shipped modules, each with the questions it drew, the answers and the results (per
question right 35–100 % of the time; attempts from the first 300 days on an earlier content
hash, version 1.0, that also had a since-removed question), and confidence ratings before and
after. Deterministic (seeded). Prints the row counts and how long each step took.
`--scale 0.1` makes a tenth of everything (for the statement-count comparison).

bench_partnership.py, bench_question_stats.py and bench_admin_search.py read it (``--db``);
`make bench` builds it once for the three and drops it at the end (bench/run_all.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

from figures import Figure, write_json  # noqa: E402

from training_portal.certificates.codes import ALPHABET, LENGTH  # noqa: E402
from training_portal.config import normalise_database_url  # noqa: E402

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
DEFAULT_DB = "pg_bench_dash_programme"
AREAS = ["Northgate", "Riverside", "Old Town", "Harbour", "University", "Market Square", "Castle Hill",
         "Station Quarter", "West End", "Docklands"]
MODULES = ["recognising-predatory-behaviour", "drink-spiking", "ask-for-angela", "vulnerability-and-welfare",
           "intervening-safely", "recording-and-reporting"]
FIRST = ["Amira", "Ben", "Chloe", "Dev", "Ewa", "Finn", "Grace", "Hamza", "Isla", "Jack", "Kasia",
         "Liam", "Maya", "Noah", "Olu", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Una", "Vik",
         "Wren", "Xena", "Yusuf", "Zara"]
LAST = ["Smith", "Jones", "Khan", "Nowak", "Okafor", "Patel", "Murphy", "Evans", "Garcia", "Li",
        "Walsh", "Brown", "Kowalski", "Ahmed", "Taylor", "Wilson", "Davies", "Hughes", "Reid",
        "Silva"]
FAILS = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4]  # failed tries before a pass
OLD_HASH, OLD_VERSION, OLD_QUESTION = "e" * 64, "1.0", "old-question"
CONTENT_CHANGED_AFTER_DAYS = 300  # attempts in the first 300 days are on the earlier content


@dataclass(frozen=True)
class Content:
    """What the generator needs of a shipped module: its title, version, hash and quiz."""

    title: str
    version: str
    content_hash: str
    questions: tuple[Any, ...]
    per_attempt: int
    pass_mark: int
    difficulty: dict[str, float]  # chance of a right answer, per question


def shipped_content(rng: random.Random) -> dict[str, Content]:
    from bench_quiz_submit import bench_app

    with tempfile.TemporaryDirectory() as tmp:
        catalog = bench_app("sqlite://", Path(tmp)).extensions["catalog"].current
    found = {}
    for slug in MODULES:
        module = catalog.get(slug)
        bank = module.quiz
        found[slug] = Content(module.title, module.version, module.content_hash, bank.questions,
                              bank.questions_per_attempt, bank.pass_mark,
                              {q.id: rng.choice([0.35, 0.6, 0.8, 0.9, 1.0]) for q in bank.questions})
    return found


def server_admin_url(server: str) -> str:
    return make_url(normalise_database_url(server)).set(drivername="postgresql").render_as_string(
        hide_password=False)


def database_url(server: str, name: str) -> str:
    return make_url(server_admin_url(server)).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server_admin_url(server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def _flask(url: str, *args: str) -> None:
    env = {"DATABASE_URL": url, "FLASK_APP": "wsgi", "PATH": "/usr/bin:/bin"}
    subprocess.run([str(ROOT / ".venv/bin/flask"), *args], cwd=ROOT, env=env, check=True, capture_output=True)


def create_database(server: str, name: str) -> str:
    drop_database(server, name)
    with psycopg.connect(server_admin_url(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = database_url(server, name)
    _flask(url, "db", "upgrade")
    return url


class Rows:
    def __init__(self, scale: float, today: date, content: dict[str, Content], seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.today, self.content = today, content
        self.start = datetime.combine(today - timedelta(days=730), datetime.min.time(), UTC)
        self.content_changed = self.start + timedelta(days=CONTENT_CHANGED_AFTER_DAYS)
        self.n_venues = max(10, int(1000 * scale))
        self.n_staff = max(20, int(20000 * scale))
        self.n_leavers = int(3000 * scale)
        self.names: dict[int, str] = {}
        self.users: list[tuple] = []
        self.venues: list[tuple] = []
        self.memberships: list[tuple] = []
        self.attempts: list[tuple] = []
        self.completions: list[tuple] = []
        self.certificates: list[tuple] = []
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
            first, last = rng.choice(FIRST), rng.choice(LAST)
            self.names[user_id] = f"{first} {last}"
            self.users.append((user_id, f"{first} {last}", f"{first}.{last}{user_id}@example.org".lower(),
                               None, False, False, False, 1, self.start))
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
                self.pass_(user_id, attempt_id, slug, t)
                if rng.random() < 0.8:
                    self.ratings.append((user_id, slug, "1.0", "after", rng.choice([3, 4, 4, 5, 5, None]),
                                         attempt_id, t + timedelta(minutes=1)))
                if rng.random() < 0.45:
                    break  # no refresher (yet)
                t = self.moment(t + timedelta(days=300), 120)  # the refresher, if it falls before today

    def pass_(self, user_id: int, attempt_id: int, slug: str, at: datetime) -> None:
        """The completion of a passed attempt, and its certificate (the facts printed at issue)."""
        version, content_hash = self.attempts[attempt_id - 1][4:6]
        completion_id, expires = len(self.completions) + 1, _add_year(at.date())
        title = self.content[slug].title
        self.completions.append((completion_id, user_id, attempt_id, slug, title, version, content_hash,
                                 self.attempts[attempt_id - 1][11], at, expires))
        code = "".join(self.rng.choice(ALPHABET) for _ in range(LENGTH))
        self.certificates.append((completion_id, completion_id, code, at, self.names[user_id], title,
                                  version, at.date(), expires))

    def attempt(self, user_id: int, slug: str, at: datetime, passed: bool) -> int:
        attempt_id = len(self.attempts) + 1
        content = self.content[slug]
        old = at < self.content_changed
        drawn, answers, results = self.answered(content, old, passed)
        score = round(100 * sum(results.values()) / len(results))
        self.attempts.append((attempt_id, f"b{attempt_id:031d}", user_id, slug,
                              OLD_VERSION if old else content.version,
                              OLD_HASH if old else content.content_hash, json.dumps(drawn),
                              json.dumps(answers), json.dumps(results), at, at + timedelta(minutes=4),
                              score, passed))
        return attempt_id

    def answered(self, content: Content, old: bool,
                 passed: bool) -> tuple[list[dict[str, Any]], dict[str, list[str]], dict[str, bool]]:
        """Questions drawn and answered: as many wrong as a pass (or a fail) allows, the harder
        questions more often."""
        rng = self.rng
        questions = rng.sample(content.questions, content.per_attempt)
        drawn = [(q.id, [c.id for c in q.choices], sorted(q.correct_ids)) for q in questions]
        if old:  # the earlier content also had a question since removed
            drawn[-1] = (OLD_QUESTION, ["a", "b", "c"], ["a"])
        n = len(drawn)
        allowed_wrong = n - math.ceil(content.pass_mark * n / 100)
        wrong_count = rng.randint(0, allowed_wrong) if passed else rng.randint(allowed_wrong + 1, n)
        hardness = {qid: rng.random() * (1.05 - content.difficulty.get(qid, 0.3)) for qid, _, _ in drawn}
        wrong = set(sorted(hardness, key=hardness.__getitem__, reverse=True)[:wrong_count])
        answers, results = {}, {}
        for qid, choices, correct in drawn:
            results[qid] = qid not in wrong
            others = [c for c in choices if c not in correct] or correct[:1]
            answers[qid] = [rng.choice(others)] if qid in wrong else correct
        return [{"question": qid, "choices": choices} for qid, choices, _ in drawn], answers, results


def _add_year(day: date) -> date:
    return day.replace(year=day.year + 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year + 1)


TABLES = {
    "users": ("id, name, email, password_hash, is_trainer, is_admin, is_disabled, session_version, created_at",
              "users"),
    "venues": ("id, name, address, postcode, join_code, created_by_id, created_at, area, refresher_months, "
               "required_modules, starter_deadline_days", "venues"),
    "memberships": ("user_id, venue_id, role, joined_at, left_at", "memberships"),
    "attempts": ("id, public_id, user_id, module_slug, module_version, content_hash, drawn, answers, results, "
                 "started_at, graded_at, score, passed", "attempts"),
    "completions": ("id, user_id, attempt_id, module_slug, module_title, module_version, content_hash, score, "
                    "passed_at, expires_on", "completions"),
    "certificates": ("id, completion_id, code, issued_at, holder_name, module_title, module_version, "
                     "passed_on, expires_on", "certificates"),
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
        for table in ("users", "venues", "attempts", "completions", "certificates"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608 - fixed names
    with psycopg.connect(url, autocommit=True) as conn:
        # As autovacuum would soon: set hint bits, flush the GIN indexes' pending lists (a
        # trigram search scans that list linearly until then), gather statistics.
        conn.execute("VACUUM ANALYZE")


def _naive(value: object) -> object:
    """Stored as naive UTC, as the app's UTCDateTime column does."""
    return value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) else value


def generate(url: str, scale: float) -> tuple[Rows, dict[str, float]]:
    """Fill the migrated, empty database at ``url``; the rows and each step's seconds."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    rows = Rows(scale, date.today(), shipped_content(random.Random(6)))
    rows.build()
    seconds["rows built in Python"] = time.perf_counter() - started
    started = time.perf_counter()
    load(url, rows)
    seconds["COPY and VACUUM ANALYZE"] = time.perf_counter() - started
    started = time.perf_counter()
    _flask(url, "reports", "refresh")  # rows loaded by COPY skip grading: build the summary, as after an upgrade
    with psycopg.connect(url) as conn:
        conn.execute("ANALYZE learner_module_summary")
    seconds["learner summary (flask reports refresh)"] = time.perf_counter() - started
    return rows, seconds


def describe(rows: Rows) -> str:
    old = sum(1 for a in rows.attempts if a[5] == OLD_HASH)
    return (f"{len(rows.venues):,} venues, {len(rows.users) - 1:,} staff ({rows.n_leavers:,} leavers only), "
            f"{len(rows.memberships):,} memberships, {len(rows.completions):,} completions and certificates, "
            f"{len(rows.attempts):,} graded attempts ({old:,} on the earlier content), "
            f"{len(rows.ratings):,} confidence ratings")


@contextmanager
def programme(server: str, name: str | None, scale: float) -> Iterator[str]:
    """The database ``name`` as it is (generated earlier), or a fresh scratch one, dropped after."""
    if name:
        yield database_url(server, name)
        return
    scratch = f"pg_bench_dash_{os.getpid()}_{random.randrange(16**6):06x}"  # noqa: S311 - a name
    try:
        url = create_database(server, scratch)
        rows, seconds = generate(url, scale)
        print(f"scratch programme {scratch}: {describe(rows)}; "
              + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()), flush=True)
        yield url
    finally:
        drop_database(server, scratch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--quick", action="store_true", help="the same as --scale 0.05 (make bench BENCH_QUICK=1)")
    parser.add_argument("--postgres", default=SERVER, help="the PostgreSQL server (default $BENCH_POSTGRES)")
    parser.add_argument("--drop", action="store_true", help="drop the database and stop")
    parser.add_argument("--json", help="also write the figures to this file (run_all.py)")
    args = parser.parse_args()
    if args.drop:
        drop_database(args.postgres, args.db)
        return
    scale = 0.05 if args.quick else args.scale
    started = time.perf_counter()
    url = create_database(args.postgres, args.db)
    migrated = time.perf_counter() - started
    rows, seconds = generate(url, scale)
    seconds = {"create and migrate": migrated, **seconds}
    total = sum(seconds.values())
    line = describe(rows)
    print(f"{args.db}: {line}; " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    write_json(args.json, "programme", [
        Figure(f"shared programme database at scale {scale:g}: generated", total,
               "s (" + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()) + ")")],
        [f"{line}; read by the partnership, trainer insights and admin search benches, dropped at the end"])


if __name__ == "__main__":
    main()
