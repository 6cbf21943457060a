"""Partnership overview and programme report at full scale on PostgreSQL.

    .venv/bin/python bench/bench_partnership.py [--runs 7]                 # a scratch programme, dropped after
    .venv/bin/python bench/generate_programme.py --db pg_bench_dash_programme     # or once, kept …
    .venv/bin/python bench/bench_partnership.py --db pg_bench_dash_programme      # … and reused

Budgets (PRODUCT.md, issue 8): overview < 1 s median with a constant number of SQL statements;
report PDF < 5 s. The data is generate_programme.py's (1,000 venues / 20,000 staff / 150,000
completions / 400,000 attempts at ``--scale 1``): the database ``--db`` names as it is, or a
fresh one at ``--scale`` (dropped at the end). Each run is a fresh request through the app
(test client, signed in as the partnership admin): nothing is cached between requests in the
app, so every run is "cold" for the app; PostgreSQL's own buffer cache is warm after the first
run, as in production. Prints the median and spread (wall time; the app process's CPU time
and its PostgreSQL backend's CPU time, both steadier than wall time on a shared machine;
parallel query workers, if any, are not included), the statements per request, and where the
time goes (each statement's duration). Then the same pages once each on a programme a tenth
the size (generated, dropped): the statement counts must be the same.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, write_json  # noqa: E402
from flask_login import FlaskLoginClient  # noqa: E402
from generate_programme import SERVER, programme  # noqa: E402

from training_portal import create_app  # noqa: E402
from training_portal.accounts.models import User  # noqa: E402
from training_portal.extensions import db  # noqa: E402

PATHS = ["/partnership", "/partnership/outcomes", "/partnership/overview.csv?table=coverage",
         "/partnership/report.pdf"]
BUDGET_S = {"/partnership": 1.0, "/partnership/report.pdf": 5.0}


@dataclass(frozen=True)
class Result:
    path: str
    timings: list[float]  # seconds, wall
    cpu: list[float]  # seconds, this process
    db_cpu: list[float]  # seconds, its PostgreSQL backends
    statements: list[int]  # per run, the warm-up included
    small_statements: int = -1  # the same page on the programme a tenth the size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a database generate_programme.py filled (kept); default: a scratch one")
    parser.add_argument("--scale", type=float, default=1.0, help="of the scratch programme")
    parser.add_argument("--postgres", default=SERVER, help="the PostgreSQL server (default $BENCH_POSTGRES)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--paths", nargs="*", default=PATHS)
    parser.add_argument("--quick", action="store_true",
                        help="3 runs, scale 0.05 as generate_programme.py --quick (make bench BENCH_QUICK=1)")
    parser.add_argument("--json", help="also write the figures to this file (run_all.py)")
    args = parser.parse_args()
    runs, scale = (3, 0.05) if args.quick else (args.runs, args.scale)
    with programme(args.postgres, args.db, scale) as url:
        client, engine = signed_in_admin(url)
        results = [bench(client, engine, path, runs) for path in args.paths]
        engine.dispose()
    with programme(args.postgres, None, scale / 10) as url:
        client, engine = signed_in_admin(url)
        results = [compare_small(client, engine, r) for r in results]
        engine.dispose()
    for r in results:
        print(f"{r.path}: {r.statements[-1]} SQL statements, {r.small_statements} at a tenth the size")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    write_json(args.json, "partnership", figures(results, scale), [
        f"{runs} cold requests a page (after one that warms PostgreSQL's buffers) in process, "
        "signed in as the partnership admin; statements compared with a programme a tenth the size"])


def signed_in_admin(url: str) -> tuple[Any, Any]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SESSION_CHECK_SECONDS": 0,
                      "SECRET_KEY": "bench-secret-key-that-is-long-enough-for-this"})
    app.test_client_class = FlaskLoginClient
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
        engine = db.engine
    return app.test_client(user=admin), engine


def _backend_cpu(pid: int) -> float:
    """User + system CPU seconds of one PostgreSQL backend (same machine), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench(client: Any, engine: Any, path: str, runs: int) -> Result:
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
    result = Result(path, timings[1:], cpu[1:], db_cpu[1:], statements)
    timed, spent, spent_db = result.timings, result.cpu, result.db_cpu
    print(f"{path}: median {statistics.median(timed) * 1000:.0f} ms (min {min(timed) * 1000:.0f}, "
          f"max {max(timed) * 1000:.0f}) over {len(timed)} runs; app CPU median "
          f"{statistics.median(spent) * 1000:.0f} ms (min {min(spent) * 1000:.0f}), PostgreSQL backend CPU median "
          f"{statistics.median(spent_db) * 1000:.0f} ms; {statements[-1]} SQL statements "
          f"(constant across runs: {len(set(statements)) == 1}); {len(response.get_data()) / 1024:.0f} KB",
          flush=True)
    for seconds, sql in slowest:
        print(f"    {seconds * 1000:6.0f} ms  {sql}")
    return result


def compare_small(client: Any, engine: Any, result: Result) -> Result:
    """The statements the same page sends on the small programme (its second request); -1 when
    the page fails there (the figure says so instead of losing the full-scale ones)."""
    try:
        small = bench(client, engine, result.path, 1)
    except AssertionError as failed:
        print(f"{result.path} failed on the small programme: {failed}", flush=True)
        return Result(result.path, result.timings, result.cpu, result.db_cpu, result.statements)
    return Result(result.path, result.timings, result.cpu, result.db_cpu, result.statements,
                  small.statements[-1])


def figures(results: list[Result], scale: float) -> list[Figure]:
    found: list[Figure] = []
    programme_ = "full programme" if scale == 1 else f"programme at scale {scale:g}"
    for r in results:
        median = statistics.median(r.timings)
        budget = BUDGET_S.get(r.path.split("?")[0])
        found.append(Figure(
            f"partnership `{r.path}`, {programme_}: median (cold)", median * 1000,
            f"ms (CPU app {statistics.median(r.cpu) * 1000:.0f} + PostgreSQL "
            f"{statistics.median(r.db_cpu) * 1000:.0f} ms)",
            f"< {budget * 1000:,.0f} ms" if budget else "", median < budget if budget else None))
    seen = sorted({n for r in results for n in (*r.statements, r.small_statements)})
    failed = [r.path for r in results if r.small_statements < 0]
    found.append(Figure(
        f"partnership: SQL statements per page, {programme_} and a tenth of it, every page",
        max(seen), "(per page: " + ", ".join(f"{r.statements[-1]}" for r in results) + ")"
        + (f"; at a tenth {', '.join(failed)} did not answer 200 (see the log)" if failed else ""),
        "constant", all(len({*r.statements, r.small_statements}) == 1 for r in results)))
    return found


if __name__ == "__main__":
    main()
