"""Admin search at scale: 20,000 people and 150,000 certificates on PostgreSQL.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_admin_search.py

Creates a scratch database on that server (dropped at the end), migrates it, bulk-loads
people, venues, memberships, attempts, completions and certificates with COPY, then times
searches through the Flask test client signed in as an admin: a code fragment, name and
email fragments, a rare and a common name, the newest-first list and a deep page. Prints
median and p95 per search, the SQL statements per request, and which indexes PostgreSQL
used (pg_stat_user_indexes). Then drops the pg_trgm indexes and times the same searches
again, to show what they carry.
"""

from __future__ import annotations

import argparse
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

from bench_quiz_submit import StatementCounter, bench_app, fresh_postgres_database, percentile  # noqa: E402
from sqlalchemy import text  # noqa: E402

from training_portal.certificates.codes import new_code  # noqa: E402
from training_portal.extensions import db  # noqa: E402

FIRST = ["Amira", "Ben", "Chloe", "Dev", "Ewa", "Finn", "Grace", "Hamza", "Isla", "Jack", "Kasia",
         "Liam", "Maya", "Noah", "Olu", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Una", "Vik",
         "Wren", "Xena", "Yusuf", "Zara"]
LAST = ["Smith", "Jones", "Khan", "Nowak", "Okafor", "Patel", "Murphy", "Evans", "Garcia", "Li",
        "Walsh", "Brown", "Kowalski", "Ahmed", "Taylor", "Wilson", "Davies", "Hughes", "Reid",
        "Silva"]


def load(app: Any, people: int, certificates: int, seed: int = 8) -> dict[str, str]:
    """Bulk-load with COPY; returns sample values to search for."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    codes: list[str] = []
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            with raw.driver_connection.cursor() as cur:  # type: ignore[union-attr]
                with cur.copy("COPY users (id, name, email, is_trainer, is_admin, is_disabled, "
                              "session_version, created_at) FROM STDIN") as copy:
                    names = {}
                    for i in range(1, people + 1):
                        first, last = rng.choice(FIRST), rng.choice(LAST)
                        names[i] = f"{first} {last}"
                        copy.write_row((i, f"{first} {last}", f"{first}.{last}{i}@example.org".lower(),
                                        False, False, False, 1, start + timedelta(minutes=i)))
                venues = max(1, people // 20)
                with cur.copy("COPY venues (id, name, address, postcode, join_code, created_at) "
                              "FROM STDIN") as copy:
                    for v in range(1, venues + 1):
                        copy.write_row((v, f"Venue {v}", "1 High Street", "AB1 2CD", f"J{v:07d}", start))
                with cur.copy("COPY memberships (user_id, venue_id, role, joined_at) FROM STDIN") as copy:
                    for i in range(1, people + 1):
                        copy.write_row((i, rng.randint(1, venues), "staff", start))
                rows = [(n, rng.randint(1, people)) for n in range(1, certificates + 1)]
                with cur.copy("COPY attempts (id, public_id, user_id, module_slug, module_version, "
                              "content_hash, drawn, started_at, graded_at, score, passed) "
                              "FROM STDIN") as copy:
                    for n, user in rows:
                        when = start + timedelta(seconds=n * 200)
                        copy.write_row((n, f"p{n:030d}", user, "drink-spiking", "1.0", "0" * 64, "[]",
                                        when, when, 100, True))
                with cur.copy("COPY completions (id, user_id, attempt_id, module_slug, module_title, "
                              "module_version, content_hash, score, passed_at, expires_on) "
                              "FROM STDIN") as copy:
                    for n, user in rows:
                        when = start + timedelta(seconds=n * 200)
                        copy.write_row((n, user, n, "drink-spiking", "Drink spiking", "1.0", "0" * 64,
                                        100, when, (when + timedelta(days=365)).date()))
                with cur.copy("COPY certificates (id, completion_id, code, issued_at, holder_name, "
                              "module_title, module_version, passed_on, expires_on) "
                              "FROM STDIN") as copy:
                    for n, user in rows:
                        code = new_code().replace("-", "")
                        codes.append(code)
                        when = start + timedelta(seconds=n * 200)
                        copy.write_row((n, n, code, when, names[user], "Drink spiking", "1.0",
                                        when.date(), (when + timedelta(days=365)).date()))
                for table in ("users", "venues", "memberships", "attempts", "completions", "certificates"):
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
    code = codes[len(codes) // 2]
    return {
        "code fragment (7 chars, typed with a dash)": f"{code[4:8]}-{code[8:11]}".lower(),
        "full name (rare)": "Zara Silva",
        "name fragment (common)": "smith",
        "one letter (matches nearly all)": "a",
        "email fragment": f"jones{people // 2}",
        "email fragment (common)": "@example",
        "no match": "qqqqqq",
        "literal % and _": "50%_off",
    }


def admin_client(app: Any) -> Any:
    from training_portal.accounts.models import User

    with app.app_context():
        admin = User(name="Bench Admin", email="bench-admin@example.org", is_admin=True,
                     created_at=datetime(2020, 1, 1, tzinfo=UTC))
        db.session.add(admin)
        db.session.commit()
    return app.test_client(user=admin)


def time_path(client: Any, counter: StatementCounter, path: str, repeat: int) -> tuple[list[float], int]:
    client.get(path)  # warm
    timings, statements = [], 0
    for _ in range(repeat):
        counter.count = 0
        counter.active = True
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        counter.active = False
        statements = counter.count
        assert response.status_code == 200, (path, response.status_code)
    return timings, statements


def index_scans(app: Any) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes "
            "WHERE relname IN ('users', 'certificates', 'completions', 'memberships', 'venues')"))
        return {name: scans for name, scans in rows}


def run_searches(app: Any, client: Any, counter: StatementCounter, samples: dict[str, str],
                 repeat: int) -> list[tuple[str, str, list[float], int]]:
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


def print_table(title: str, results: list[tuple[str, str, list[float], int]]) -> None:
    print(f"\n{title}\n\n| page | search | median | p95 | SQL statements |\n| --- | --- | --- | --- | --- |")
    for kind, label, t, statements in results:
        print(f"| {kind} | {label} | {statistics.median(t):.1f} ms | {percentile(t, 0.95):.1f} ms | "
              f"{statements} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--certificates", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.postgres.startswith("postgres"):
        sys.exit("Give a PostgreSQL server: DATABASE_URL=postgresql://... or --postgres")
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp, \
            fresh_postgres_database(args.postgres) as url:
        app = bench_app(url, Path(tmp))
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        samples = load(app, args.people, args.certificates)
        print(f"loaded {args.people} people, {args.certificates} certificates in "
              f"{time.perf_counter() - started:.1f} s; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        client = admin_client(app)
        counter = StatementCounter(app)
        before = index_scans(app)
        print_table("With the migration's indexes", run_searches(app, client, counter, samples, args.repeat))
        used = {k: v - before.get(k, 0) for k, v in index_scans(app).items() if v - before.get(k, 0)}
        print("\nindex scans during those searches:", ", ".join(f"{k} {v}" for k, v in sorted(used.items())))
        with app.app_context():
            for name in ("ix_users_name_trgm", "ix_users_email_trgm", "ix_certificates_code_trgm"):
                db.session.execute(text(f"DROP INDEX {name}"))
            db.session.commit()
        print_table("Without the pg_trgm indexes", run_searches(app, client, counter, samples, args.repeat))
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
