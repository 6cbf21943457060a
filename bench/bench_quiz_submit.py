"""Quiz submit latency: the POST that grades an attempt, records the pass and issues a certificate.

    .venv/bin/python bench/bench_quiz_submit.py [-n 200]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_quiz_submit.py

In-process (Flask test client), on a file-based SQLite database in a temporary folder and,
when DATABASE_URL (or --postgres) names a PostgreSQL server, on a fresh database the script
creates there and drops at the end. For each of N new users it starts an attempt on the
shipped module, then times the POST /quiz/<id> with every answer right: grading, the
completion, the certificate (unique code) and queueing the pass email (MAIL_DELIVERY=queue,
as in production: the mail is sent later by `flask mail send-queued`) all happen in that
request. Schema through the migrations (flask_migrate.upgrade).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import Figure, write_json  # noqa: E402  (bench/, the script's folder)
from flask import Flask  # noqa: E402
from flask_login import FlaskLoginClient  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from training_portal import create_app  # noqa: E402
from training_portal.config import normalise_database_url  # noqa: E402
from training_portal.extensions import db  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Result:
    backend: str
    timings_ms: list[float]
    statements_per_submit: float


def bench_app(database_url: str, tmp: Path) -> Flask:
    app = create_app({
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "memory",
        "MAIL_DELIVERY": "queue",
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "QUIZ_RETRY_PAUSE_SECONDS": 0,
    })
    app.test_client_class = FlaskLoginClient
    return app


def create_users(count: int) -> list[Any]:
    from training_portal.accounts.models import User

    users = [User(name=f"Bench Person {i}", email=f"bench{i}@example.org", password_hash=None)
             for i in range(count)]
    db.session.add_all(users)
    db.session.commit()
    return users


def start_attempt(client: Any, slug: str) -> str:
    number = 1  # the quiz opens once every page of the lesson is read
    while client.get(f"/modules/{slug}/{number}").status_code == 200:
        number += 1
    response = client.post(f"/modules/{slug}/quiz/start")
    location = response.headers.get("Location", "")
    assert response.status_code in (302, 303) and "/quiz/" in location, \
        f"start gave {response.status_code} {location}"
    return location.rstrip("/").rsplit("/", 1)[-1]


def correct_answers(app: Flask, public_id: str, slug: str) -> dict[str, list[str]]:
    """Every drawn question answered with exactly its correct choices, as the form posts them."""
    from training_portal.learning.models import Attempt

    module = app.extensions["catalog"].current.get(slug)
    with app.app_context():
        attempt = db.session.scalar(select(Attempt).where(Attempt.public_id == public_id))
        drawn = attempt.drawn
    return {f"q-{item['question']}": sorted(module.quiz.question(item["question"]).correct_ids)
            for item in drawn}


class StatementCounter:
    """SQL statements sent while `active` (one engine, this process)."""

    def __init__(self, app: Flask) -> None:
        self.active, self.count = False, 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += self.active


def timed_submit(client: Any, public_id: str, answers: dict[str, list[str]],
                 counter: StatementCounter) -> float:
    counter.active = True
    started = time.perf_counter()
    response = client.post(f"/quiz/{public_id}", data=answers)
    elapsed = (time.perf_counter() - started) * 1000
    counter.active = False
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/result"), \
        f"submit gave {response.status_code}"
    return elapsed


def check_records(app: Flask, expected: int) -> None:
    from training_portal.certificates.models import Certificate
    from training_portal.learning.models import Completion
    from training_portal.notifications.models import QueuedMail

    with app.app_context():
        completions = db.session.scalar(select(func.count()).select_from(Completion))
        certificates = db.session.scalar(select(func.count()).select_from(Certificate))
        mails = db.session.scalar(select(func.count()).select_from(QueuedMail)
                                  .where(QueuedMail.kind == "certificate"))
    assert completions == certificates == mails == expected, (completions, certificates, mails)


def run_backend(backend: str, database_url: str, args: argparse.Namespace, tmp: Path) -> Result:
    from flask_migrate import upgrade

    app = bench_app(database_url, tmp)
    with app.app_context():
        upgrade()
        users = create_users(args.warmup + args.n)
    counter = StatementCounter(app)
    timings: list[float] = []
    for i, user in enumerate(users):
        client = app.test_client(user=user)
        public_id = start_attempt(client, args.module)
        elapsed = timed_submit(client, public_id, correct_answers(app, public_id, args.module),
                               counter)
        if i < args.warmup:
            counter.count = 0
        else:
            timings.append(elapsed)
    check_records(app, len(users))
    with app.app_context():
        db.engine.dispose()
    return Result(backend, timings, counter.count / args.n)


@contextlib.contextmanager
def fresh_postgres_database(server_url: str, name: str | None = None) -> Iterator[str]:
    """A new, empty database on the server `server_url` names; dropped afterwards. A given
    ``name`` (a fixed scratch database) is dropped first if an earlier run left it."""
    import psycopg

    url = make_url(normalise_database_url(server_url))
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = name or f"pg_bench_quiz_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
        connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def percentile(values: list[float], fraction: float) -> float:
    """The value at ``fraction`` of the sorted values (0.0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(results: list[Result], args: argparse.Namespace) -> None:
    print(f"\n{args.n} submits each (after {args.warmup} warm-up), module {args.module}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n| database | median | p95 | max | mean | SQL statements per submit |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        t = r.timings_ms
        print(f"| {r.backend} | {statistics.median(t):.1f} ms | {percentile(t, 0.95):.1f} ms | "
              f"{max(t):.1f} ms | {statistics.fmean(t):.1f} ms | {r.statements_per_submit:.1f} |")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="timed submits per database")
    parser.add_argument("--warmup", type=int, default=10, help="untimed submits first")
    parser.add_argument("--module", default="recognising-predatory-behaviour")
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL server URL (default: $DATABASE_URL); empty: SQLite only")
    parser.add_argument("--json", help="also write the figures to this file (run_all.py)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-quiz-") as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        results.append(run_backend("SQLite (file)", sqlite_url, args, Path(tmp)))
        if args.postgres.startswith("postgres"):
            with fresh_postgres_database(args.postgres) as url:
                results.append(run_backend("PostgreSQL", url, args, Path(tmp)))
    report(results, args)
    write_json(args.json, "quiz_submit", [
        Figure(f"quiz submit (grade, completion, certificate, mail), {r.backend}: median",
               statistics.median(r.timings_ms), f"ms ({r.statements_per_submit:.0f} SQL statements)")
        for r in results],
        [f"{args.n} submits in process (Flask test client)"])


if __name__ == "__main__":
    main()
