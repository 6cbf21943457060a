"""Admin search at scale: 20,000 people and 150,000 certificates on PostgreSQL.

    .venv/bin/python bench/bench_admin_search.py                          # a scratch programme, dropped after
    .venv/bin/python bench/bench_admin_search.py --db pg_bench_dash_programme   # one generate_programme.py made

Budget (issue 8): every search answers in under 200 ms. The data is generate_programme.py's
(``--scale 1``: 23,000 people named from 26 first × 20 last names, 1,000 venues, about 150,000
certificates): the database ``--db`` names, or a fresh one at ``--scale`` (dropped at the end).
Times searches through the Flask test client signed in as the partnership admin: a code
fragment, name and email fragments, a rare and a common name, the newest-first list and a
deep page. Prints median and p95 per search, the SQL statements per request, and which
indexes PostgreSQL used (pg_stat_user_indexes). Then drops the pg_trgm indexes, times the same
searches again, to show what they carry, and puts the indexes back as they were.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_quiz_submit import StatementCounter, bench_app, percentile  # noqa: E402
from figures import Figure, write_json  # noqa: E402
from generate_programme import SERVER, programme  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from training_portal.extensions import db  # noqa: E402

Timed = list[tuple[str, str, list[float], int]]  # (page, search, timings in ms, SQL statements)

BUDGET_MS = 200


def samples(app: Any) -> dict[str, str]:
    """What to search for, taken from the data: a code from the middle, a Jones's address, …"""
    from training_portal.accounts.models import User
    from training_portal.certificates.models import Certificate

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Certificate))
        code = db.session.scalar(select(Certificate.code).order_by(Certificate.id).offset(count // 2).limit(1))
        joneses = select(User.email).where(User.email.like("%.jones%")).order_by(User.id)
        jones = db.session.scalar(joneses.offset(db.session.scalar(
            select(func.count()).select_from(joneses.subquery())) // 2).limit(1))
    assert code and jones, "the programme has no certificates or no Jones"
    return {
        "code fragment (7 chars, typed with a dash)": f"{code[4:8]}-{code[8:11]}".lower(),
        "full name (rare)": "Zara Silva",
        "name fragment (common)": "smith",
        "one letter (a start: names, words of names, emails, codes)": "a",
        "one letter, common start (\"s\": 24,000 certificates)": "s",
        "two letters, common start (\"sm\")": "sm",
        "email fragment": jones.split(".", 1)[1].split("@")[0],  # e.g. jones12345
        "email fragment (common)": "@example",
        "no match": "qqqqqq",
        "two letters, rare start (\"qz\": no name, 1 in 1,024 codes)": "qz",
        "literal % and _": "50%_off",
    }


def admin_client(app: Any) -> Any:
    from training_portal.accounts.models import User

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))
    return app.test_client(user=admin)


def time_path(client: Any, counter: StatementCounter, path: str, repeat: int) -> tuple[list[float], int]:
    """Wall times in ms, and the page's own SQL statements: the fewest any request sent (the
    session check, redone every SESSION_CHECK_SECONDS, adds one to a request now and then)."""
    client.get(path)  # warm
    timings, statements = [], 1_000_000
    for _ in range(repeat):
        counter.count = 0
        counter.active = True
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        counter.active = False
        statements = min(statements, counter.count)
        assert response.status_code == 200, (path, response.status_code)
    return timings, statements


def index_scans(app: Any) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes "
            "WHERE relname IN ('users', 'certificates', 'completions', 'memberships', 'venues')"))
        return {name: scans for name, scans in rows}


def run_searches(app: Any, client: Any, counter: StatementCounter, samples: dict[str, str],
                 repeat: int) -> Timed:
    from urllib.parse import urlencode

    paths: list[tuple[str, str]] = [("certificates", "newest first (empty query)"),
                                    ("certificates", "page 40 (the last) of the empty query")]
    paths += [(kind, label) for label in samples for kind in ("certificates", "people")]
    results = []
    for kind, label in paths:
        if label.startswith("newest"):
            query = ""
        elif label.startswith("page 40"):
            query = "?page=40"
        else:
            query = "?" + urlencode({"q": samples[label]})
        timings, statements = time_path(client, counter, f"/admin/{kind}{query}", repeat)
        results.append((kind, label, timings, statements))
    return results


def print_table(title: str, results: Timed) -> None:
    print(f"\n{title}\n\n| page | search | median | p95 | SQL statements |\n| --- | --- | --- | --- | --- |")
    for kind, label, t, statements in results:
        print(f"| {kind} | {label} | {statistics.median(t):.1f} ms | {percentile(t, 0.95):.1f} ms | "
              f"{statements} |")


@contextmanager
def without_trigram_indexes(app: Any) -> Iterator[list[str]]:
    """The pg_trgm indexes dropped for a while, then created again exactly as they were."""
    with app.app_context():
        found = db.session.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%\\_trgm'")).all()
        for name, _ in found:
            db.session.execute(text(f'DROP INDEX "{name}"'))
        db.session.commit()
    try:
        yield [name for name, _ in found]
    finally:
        with app.app_context():
            for _, definition in found:
                db.session.execute(text(definition))
            db.session.commit()


def figures(with_indexes: Timed, without: Timed, people: int, certificates: int) -> list[Figure]:
    slowest = max(with_indexes, key=lambda r: statistics.median(r[2]))
    worst = max(statistics.median(r[2]) for r in with_indexes)
    slowest_without = max(without, key=lambda r: statistics.median(r[2]))
    return [
        Figure(f"admin search, {people:,} people / {certificates:,} certificates: slowest median",
               worst, f"ms ({slowest[0]}: {slowest[1]})", f"< {BUDGET_MS} ms", worst < BUDGET_MS),
        Figure("admin search: slowest p95", max(percentile(r[2], 0.95) for r in with_indexes), "ms"),
        Figure("admin search: SQL statements per page, certificates / people",
               max(r[3] for r in with_indexes if r[0] == "certificates"),
               f"/ {max(r[3] for r in with_indexes if r[0] == 'people')}"),
        Figure("admin search without the pg_trgm indexes: slowest median",
               statistics.median(slowest_without[2]), f"ms ({slowest_without[0]}: {slowest_without[1]})"),
    ]


def counts(app: Any) -> tuple[int, int]:
    from training_portal.accounts.models import User
    from training_portal.certificates.models import Certificate

    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(Certificate)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a database generate_programme.py filled (kept); default: a scratch one")
    parser.add_argument("--scale", type=float, default=1.0, help="of the scratch programme")
    parser.add_argument("--postgres", default=SERVER, help="the PostgreSQL server (default $BENCH_POSTGRES)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true",
                        help="5 requests, scale 0.05 as generate_programme.py --quick (make bench BENCH_QUICK=1)")
    parser.add_argument("--json", help="also write the figures to this file (run_all.py)")
    args = parser.parse_args()
    repeat, scale = (5, 0.05) if args.quick else (args.repeat, args.scale)
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp, \
            programme(args.postgres, args.db, scale) as url:
        app = bench_app(url, Path(tmp))
        people, certificates = counts(app)
        print(f"{people} people, {certificates} certificates; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        searched = samples(app)
        client = admin_client(app)
        counter = StatementCounter(app)
        before = index_scans(app)
        with_indexes = run_searches(app, client, counter, searched, repeat)
        print_table("With the migration's indexes", with_indexes)
        used = {k: v - before.get(k, 0) for k, v in index_scans(app).items() if v - before.get(k, 0)}
        print("\nindex scans during those searches:", ", ".join(f"{k} {v}" for k, v in sorted(used.items())))
        with without_trigram_indexes(app) as dropped:
            without = run_searches(app, client, counter, searched, repeat)
        print_table(f"Without the pg_trgm indexes ({', '.join(dropped)})", without)
        with app.app_context():
            db.engine.dispose()
    write_json(args.json, "admin_search", figures(with_indexes, without, people, certificates), [
        f"{len(with_indexes)} searches, {repeat} requests each in process (Flask test client) after a warm-up, "
        "signed in as an admin; then again without the pg_trgm indexes (put back afterwards)"])


if __name__ == "__main__":
    main()
