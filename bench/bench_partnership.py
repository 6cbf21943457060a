"""Partnership overview and programme report at full scale on PostgreSQL.

    .venv/bin/python bench/generate_programme.py            # once: the scratch database
    .venv/bin/python bench/bench_partnership.py [--db portal_pship_bench] [--runs 7]

Budgets: overview < 1 s median with a constant number of SQL statements; report PDF < 5 s.
Each run is a fresh request through the app (test client, signed in as the partnership admin):
nothing is cached between requests in the app, so every run is "cold" for the app; PostgreSQL's
own buffer cache is warm after the first run, as in production. Prints the median and spread
(wall time; the app process's CPU time and its PostgreSQL backend's CPU time, both steadier than
wall time on a shared machine; parallel query workers, if any, are not included), the statements
per request, and where the time goes (each statement's duration).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_login import FlaskLoginClient  # noqa: E402

from training_portal import create_app  # noqa: E402
from training_portal.accounts.models import User  # noqa: E402
from training_portal.extensions import db  # noqa: E402

PATHS = ["/partnership", "/partnership/outcomes", "/partnership/overview.csv?table=coverage",
         "/partnership/report.pdf"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="portal_pship_bench")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--paths", nargs="*", default=PATHS)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"postgresql://postgres@127.0.0.1:5432/{args.db}",
                      "SECRET_KEY": "bench-secret-key-that-is-long-enough-for-this", "SESSION_CHECK_SECONDS": 0})
    app.test_client_class = FlaskLoginClient
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
        engine = db.engine
    client = app.test_client(user=admin)
    for path in args.paths:
        bench(client, engine, path, args.runs)


def _backend_cpu(pid: int) -> float:
    """User + system CPU seconds of one PostgreSQL backend (same machine), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench(client: Any, engine: Any, path: str, runs: int) -> None:
    timings, cpu, db_cpu, statements = [], [], [], []
    slowest: list[tuple[float, str]] = []
    backends: set[int] = set()
    for _ in range(runs + 1):  # the first run warms PostgreSQL's buffers and is not counted
        log: list[tuple[float, str]] = []
        starts: dict[int, float] = {}
        backend_before = {pid: _backend_cpu(pid) for pid in backends}

        def before(conn: Any, cursor: Any, sql: str, *rest: Any, starts: dict[int, float] = starts) -> None:
            starts[id(cursor)] = time.perf_counter()
            backends.add(conn.connection.dbapi_connection.info.backend_pid)

        def after(conn: Any, cursor: Any, sql: str, *rest: Any, starts: dict[int, float] = starts,
                  log: list[tuple[float, str]] = log) -> None:
            log.append((time.perf_counter() - starts.pop(id(cursor)), " ".join(sql.split())[:90]))

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        cpu.append(time.process_time() - started_cpu)
        db_cpu.append(sum(_backend_cpu(pid) - was for pid, was in backend_before.items()))
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        assert response.status_code == 200, (path, response.status_code)
        timings.append(elapsed)
        statements.append(len(log))
        slowest = sorted(log, reverse=True)[:4]
    timed, spent, spent_db = timings[1:], cpu[1:], db_cpu[1:]
    print(f"{path}: median {statistics.median(timed) * 1000:.0f} ms (min {min(timed) * 1000:.0f}, "
          f"max {max(timed) * 1000:.0f}) over {len(timed)} runs; app CPU median "
          f"{statistics.median(spent) * 1000:.0f} ms (min {min(spent) * 1000:.0f}), PostgreSQL backend CPU median "
          f"{statistics.median(spent_db) * 1000:.0f} ms; {statements[-1]} SQL statements "
          f"(constant across runs: {len(set(statements)) == 1}); {len(response.get_data()) / 1024:.0f} KB")
    for seconds, sql in slowest:
        print(f"    {seconds * 1000:6.0f} ms  {sql}")


if __name__ == "__main__":
    main()
