"""Trainer insights at scale: 400,000 graded attempts, figures from the question_stats summary.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_question_stats.py

Creates a scratch PostgreSQL database (dropped at the end), migrates it and COPYs 400,000
graded attempts of one shipped module (three quarters on its current content, a quarter on an
earlier content hash that also had a since-removed question), each with realistic drawn
questions, answers and results. Then:

1. ``question_stats.rebuild()`` (what ``flask reports rebuild-question-stats`` runs), timed;
2. the trainer pages ``/trainer/modules/<slug>/insights`` and ``/trainer/insights`` through the
   Flask test client: median, p95 and SQL statements per request;
3. for comparison, what a page view would cost if it parsed every attempt's JSON instead;
4. the cost grading adds: ``record_graded`` for one attempt (the upsert), median.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_admin_search import time_path  # noqa: E402
from bench_quiz_submit import StatementCounter, bench_app, fresh_postgres_database, percentile  # noqa: E402
from sqlalchemy import select  # noqa: E402

from training_portal.extensions import db  # noqa: E402
from training_portal.learning import question_stats  # noqa: E402
from training_portal.learning.models import Attempt  # noqa: E402

OLD_HASH = "e" * 64


def one_attempt(rng: random.Random, bank: Any, difficulty: dict[str, float],
                extra: str | None) -> tuple[list[dict[str, Any]], dict[str, list[str]], dict[str, bool]]:
    questions = rng.sample(bank.questions, bank.questions_per_attempt)
    drawn, answers, results = [], {}, {}
    for q in questions:
        ids = [c.id for c in q.choices]
        drawn.append({"question": q.id, "choices": ids})
        right = rng.random() < difficulty[q.id]
        wrong = [c for c in ids if c not in q.correct_ids] or ids
        answers[q.id] = sorted(q.correct_ids) if right else [rng.choice(wrong)]
        results[q.id] = right
    if extra:  # a question the earlier content had
        drawn.append({"question": extra, "choices": ["a", "b", "c"]})
        right = rng.random() < 0.3
        answers[extra] = ["a"] if right else [rng.choice(["b", "c"])]
        results[extra] = right
    return drawn, answers, results


def load(app: Any, slug: str, attempts: int, people: int, seed: int = 6) -> None:
    rng = random.Random(seed)
    module = app.extensions["catalog"].current.get(slug)
    bank = module.quiz
    difficulty = {q.id: rng.choice([0.35, 0.6, 0.8, 0.9, 1.0]) for q in bank.questions}
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            with raw.driver_connection.cursor() as cur:  # type: ignore[union-attr]
                with cur.copy("COPY users (id, name, email, is_trainer, is_admin, is_disabled, "
                              "session_version, created_at) FROM STDIN") as copy:
                    for i in range(1, people + 1):
                        copy.write_row((i, f"Person {i}", f"p{i}@example.org", False, False, False, 1, start))
                with cur.copy("COPY attempts (id, public_id, user_id, module_slug, module_version, "
                              "content_hash, drawn, answers, results, started_at, graded_at, score, "
                              "passed) FROM STDIN") as copy:
                    for n in range(1, attempts + 1):
                        old = n <= attempts // 4
                        drawn, answers, results = one_attempt(rng, bank, difficulty,
                                                              "old-question" if old else None)
                        score = round(100 * sum(results.values()) / len(results))
                        when = start + timedelta(seconds=n * 60)
                        copy.write_row((n, f"b{n:030d}", rng.randint(1, people), slug,
                                        "0.9" if old else module.version,
                                        OLD_HASH if old else module.content_hash,
                                        json.dumps(drawn), json.dumps(answers), json.dumps(results),
                                        when, when, score, score >= bank.pass_mark))
                for table in ("users", "attempts"):
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # type: ignore[arg-type]  # noqa: S608 (fixed names)
                                f"(SELECT max(id) FROM {table}))")
            raw.commit()
            # As autovacuum would soon: set hint bits, flush the GIN indexes' pending lists
            # (a trigram search scans that list linearly until then), gather statistics.
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            raw.driver_connection.execute("VACUUM ANALYZE")  # type: ignore[union-attr]
            raw.driver_connection.autocommit = False  # type: ignore[union-attr]  (back to the pool as it came)
        finally:
            raw.close()


def parse_every_attempt(app: Any, slug: str) -> float:
    """The approach not taken: read and tally every attempt's JSON on each page view."""
    with app.app_context():
        started = time.perf_counter()
        tally = question_stats.Tally()
        rows = db.session.execute(select(Attempt.module_slug, Attempt.module_version,
                                         Attempt.content_hash, Attempt.answers, Attempt.results)
                                  .where(Attempt.module_slug == slug,
                                         Attempt.graded_at.is_not(None))
                                  .execution_options(yield_per=5000))
        for s, version, content_hash, answers, results in rows:
            tally.add(s, version, content_hash, answers or {}, results or {})
        elapsed = time.perf_counter() - started
        db.session.rollback()
    return elapsed


def grading_cost(app: Any, slug: str, repeat: int = 200) -> list[float]:
    module = app.extensions["catalog"].current.get(slug)
    rng = random.Random(1)
    difficulty = {q.id: 0.7 for q in module.quiz.questions}
    timings = []
    with app.app_context():
        for n in range(repeat):
            drawn, answers, results = one_attempt(rng, module.quiz, difficulty, None)
            attempt = Attempt(public_id=f"grading{n}", user_id=1, module_slug=slug,
                              module_version=module.version, content_hash=module.content_hash,
                              drawn=drawn, answers=answers, results=results)
            started = time.perf_counter()
            question_stats.record_graded(attempt)
            db.session.commit()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=400_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--module", default="recognising-predatory-behaviour")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.postgres.startswith("postgres"):
        sys.exit("Give a PostgreSQL server: DATABASE_URL=postgresql://... or --postgres")
    from flask_migrate import upgrade

    from training_portal.accounts.models import User

    with tempfile.TemporaryDirectory(prefix="bench-qstats-") as tmp, \
            fresh_postgres_database(args.postgres) as url:
        app = bench_app(url, Path(tmp))
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        load(app, args.module, args.attempts, args.people)
        print(f"loaded {args.attempts} graded attempts in {time.perf_counter() - started:.1f} s; "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with app.app_context():
            started = time.perf_counter()
            read = question_stats.rebuild()
            db.session.commit()
            print(f"rebuild-question-stats: {read} attempts in {time.perf_counter() - started:.1f} s")
            trainer = User(name="Bench Trainer", email="trainer@example.org", is_trainer=True)
            db.session.add(trainer)
            db.session.commit()
        client = app.test_client(user=trainer)
        counter = StatementCounter(app)
        print("\n| page | median | p95 | SQL statements |\n| --- | --- | --- | --- |")
        for path in (f"/trainer/modules/{args.module}/insights", "/trainer/insights"):
            timings, statements = time_path(client, counter, path, args.repeat)
            print(f"| `{path}` | {statistics.median(timings):.1f} ms | "
                  f"{percentile(timings, 0.95):.1f} ms | {statements} |")
        print(f"\nparsing every attempt instead (one page view): {parse_every_attempt(app, args.module):.1f} s")
        costs = grading_cost(app, args.module)
        print(f"record_graded (upsert + commit) per graded attempt: median {statistics.median(costs):.2f} ms, "
              f"p95 {percentile(costs, 0.95):.2f} ms")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
