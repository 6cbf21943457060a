"""Trainer insights at scale: 400,000 graded attempts, figures from the question_stats summary.

    .venv/bin/python bench/bench_question_stats.py                          # a scratch programme, dropped after
    .venv/bin/python bench/bench_question_stats.py --db pg_bench_dash_programme   # one generate_programme.py made

Budget (issue 8): the trainer question table in under 1 s with 400,000 attempts. The data is
generate_programme.py's (``--scale 1``: about 390,000 graded attempts of the six shipped
modules, each with the questions it drew, the answers and the results; those of the first
300 days on an earlier content hash that also had a since-removed question): the database
``--db`` names, or a fresh one at ``--scale`` (dropped at the end). Then:

1. ``question_stats.rebuild()`` (what ``flask reports rebuild-question-stats`` runs), timed;
2. the trainer pages ``/trainer/modules/<slug>/insights`` and ``/trainer/insights`` through the
   Flask test client: median, p95 and SQL statements per request;
3. with ``--parse-comparison``: what one page view would cost if it parsed every attempt's JSON
   of the module instead (off in `make bench`: the rebuild above already does that work for
   every module, and more);
4. the cost grading adds: ``record_graded`` for one attempt (the upsert), median.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_admin_search import time_path  # noqa: E402
from bench_quiz_submit import StatementCounter, bench_app, percentile  # noqa: E402
from figures import Figure, write_json  # noqa: E402
from generate_programme import SERVER, programme  # noqa: E402
from sqlalchemy import select  # noqa: E402

from training_portal.extensions import db  # noqa: E402
from training_portal.learning import question_stats  # noqa: E402
from training_portal.learning.models import Attempt  # noqa: E402

BUDGET_MS = 1000


def one_attempt(rng: random.Random, bank: Any,
                difficulty: dict[str, float]) -> tuple[list[dict[str, Any]], dict[str, list[str]], dict[str, bool]]:
    questions = rng.sample(bank.questions, bank.questions_per_attempt)
    drawn, answers, results = [], {}, {}
    for q in questions:
        ids = [c.id for c in q.choices]
        drawn.append({"question": q.id, "choices": ids})
        right = rng.random() < difficulty[q.id]
        wrong = [c for c in ids if c not in q.correct_ids] or ids
        answers[q.id] = sorted(q.correct_ids) if right else [rng.choice(wrong)]
        results[q.id] = right
    return drawn, answers, results


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
            drawn, answers, results = one_attempt(rng, module.quiz, difficulty)
            attempt = Attempt(public_id=f"grading{n}", user_id=1, module_slug=slug,
                              module_version=module.version, content_hash=module.content_hash,
                              drawn=drawn, answers=answers, results=results)
            started = time.perf_counter()
            question_stats.record_graded(attempt)
            db.session.commit()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def trainer(app: Any) -> Any:
    """The bench's trainer (made once: the shared programme may be read again)."""
    from training_portal.accounts.models import User

    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == "bench-trainer@example.org"))
        if found is None:
            found = User(name="Bench Trainer", email="bench-trainer@example.org", is_trainer=True)
            db.session.add(found)
            db.session.commit()
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a database generate_programme.py filled (kept); default: a scratch one")
    parser.add_argument("--scale", type=float, default=1.0, help="of the scratch programme")
    parser.add_argument("--postgres", default=SERVER, help="the PostgreSQL server (default $BENCH_POSTGRES)")
    parser.add_argument("--module", default="recognising-predatory-behaviour")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--parse-comparison", action="store_true",
                        help="also time parsing the module's every attempt, as a page view without the summary would")
    parser.add_argument("--quick", action="store_true",
                        help="5 requests, scale 0.05 as generate_programme.py --quick (make bench BENCH_QUICK=1)")
    parser.add_argument("--json", help="also write the figures to this file (run_all.py)")
    args = parser.parse_args()
    repeat, scale = (5, 0.05) if args.quick else (args.repeat, args.scale)
    found: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-qstats-") as tmp, \
            programme(args.postgres, args.db, scale) as url:
        app = bench_app(url, Path(tmp))
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with app.app_context():
            started, cpu = time.perf_counter(), time.process_time()
            read = question_stats.rebuild()
            db.session.commit()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"rebuild-question-stats: {read} attempts in {seconds:.1f} s ({cpu:.1f} s CPU)")
        found.append(Figure(f"rebuild-question-stats, {read:,} graded attempts (one transaction)", seconds,
                            f"s (CPU {cpu:.1f} s)"))
        client = app.test_client(user=trainer(app))
        counter = StatementCounter(app)
        print("\n| page | median | p95 | SQL statements |\n| --- | --- | --- | --- |")
        for path in (f"/trainer/modules/{args.module}/insights", "/trainer/insights"):
            timings, statements = time_path(client, counter, path, repeat)
            median = statistics.median(timings)
            print(f"| `{path}` | {median:.1f} ms | {percentile(timings, 0.95):.1f} ms | {statements} |")
            table = "/modules/" in path  # the question table the budget is about
            found.append(Figure(f"trainer `{path}`, {read:,} attempts: median", median,
                                f"ms (p95 {percentile(timings, 0.95):.0f} ms, {statements} SQL statements)",
                                f"< {BUDGET_MS:,} ms" if table else "", median < BUDGET_MS if table else None))
        if args.parse_comparison:
            print(f"\nparsing every attempt of the module instead (one page view): "
                  f"{parse_every_attempt(app, args.module):.1f} s")
        costs = grading_cost(app, args.module)
        print(f"record_graded (upsert + commit) per graded attempt: median {statistics.median(costs):.2f} ms, "
              f"p95 {percentile(costs, 0.95):.2f} ms")
        found.append(Figure("grading adds record_graded (2 upserts) + commit: median", statistics.median(costs),
                            f"ms (p95 {percentile(costs, 0.95):.1f} ms)"))
        with app.app_context():
            db.engine.dispose()
    write_json(args.json, "question_stats", found, [
        f"{repeat} requests a page in process (Flask test client), signed in as a trainer, after one warm-up"])


if __name__ == "__main__":
    main()
