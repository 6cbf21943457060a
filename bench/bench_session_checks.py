"""Session checks under many people: SQL statements and app CPU per request.

    .venv/bin/python bench/bench_session_checks.py [--people 200] [--every 5] [--requests 4000]
        [--database-url postgresql://...] [--code /path/to/another/checkout]

200 staff each open a lesson page every 5 s (by default), taking turns, so the same person is
back long after a 2 s window has run out. One process, the real app through Flask's test
client (no server: the figure is the app's own CPU), on a fresh database: a scratch SQLite
file, or ``--database-url`` (an EMPTY database: tables are made and dropped). The worker's
session-check clock is a fake one moved 5 s / 200 per request, so the figures do not depend on
how fast this machine is; everything else runs for real. Prints SQL statements per request and
CPU microseconds per request (``time.process_time``), for the measured requests after every
person's first (which reads and records the page once).

``--code`` imports ``training_portal`` from another checkout (e.g. the main branch before a
change) to measure it the same way; run both alternately and compare medians. Not part of
``make bench``: the figure is written by hand in docs/benchmarks.md ("Session checks").
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between one person's pages")
    parser.add_argument("--requests", type=int, default=4000, help="measured requests")
    parser.add_argument("--database-url", default="", help="an empty database (default: scratch SQLite)")
    parser.add_argument("--code", default=str(BENCH_DIR.parent), help="checkout to import the app from")
    return parser.parse_args()


def _make_app(database_url: str, clock: FakeClock) -> Any:
    from flask_login import FlaskLoginClient

    from training_portal import create_app
    from training_portal.accounts.session_checks import RecentChecks
    from training_portal.extensions import db

    app = create_app({"SECRET_KEY": "bench-secret-key-that-is-long-enough-for-this",
                      "SQLALCHEMY_DATABASE_URI": database_url, "MAIL_BACKEND": "memory",
                      "CONTENT_DIR": str(BENCH_DIR.parent / "content"), "SESSION_CHECK_SECONDS": 2})
    app.test_client_class = FlaskLoginClient
    app.extensions["session_checks"] = RecentChecks(2, clock=clock)
    with app.app_context():
        db.create_all()
    return app


def _people(app: Any, count: int) -> list[Any]:
    from training_portal.accounts.models import User
    from training_portal.extensions import db

    with app.app_context():
        users = [User(name=f"Staff {n}", email=f"staff{n}@example.org") for n in range(count)]
        db.session.add_all(users)
        db.session.commit()
        return [app.test_client(user=user) for user in users]


#: The first page of a shipped module: served from the lesson page cache, so the session check
#: is a large part of what a request costs.
LESSON_URL = "/modules/ask-for-angela/1"


def measure(args: argparse.Namespace, database_url: str) -> tuple[float, float]:
    from sqlalchemy import event

    from training_portal.extensions import db

    clock = FakeClock()
    app = _make_app(database_url, clock)
    clients, url = _people(app, args.people), LESSON_URL
    step = args.every / args.people
    for client in clients:  # each person's first page: checked, page read recorded
        clock.now += step
        assert client.get(url).status_code == 200
    with app.app_context():
        engine = db.engine
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    started = time.process_time()
    for turn in range(args.requests):
        clock.now += step
        assert clients[turn % len(clients)].get(url).status_code == 200
    cpu = time.process_time() - started
    event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    return statements[0] / args.requests, cpu / args.requests * 1e6


def main() -> None:
    args = _arguments()
    sys.path.insert(0, args.code)
    import training_portal

    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{scratch}/bench.sqlite3"
        per_request, cpu_us = measure(args, url)
    print(f"code={Path(training_portal.__file__).parents[1]} people={args.people} "
          f"every={args.every}s requests={args.requests} db={url.split(':')[0]}")
    print(f"statements/request={per_request:.3f} cpu_us/request={cpu_us:.0f}")


if __name__ == "__main__":
    main()
