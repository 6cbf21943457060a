"""One-statement reads outside the request's transaction, on connections kept in autocommit.

A page that reads and writes nothing (the quiz page reads the person's attempt, My training
its facts, each in one statement) pays for a transaction it does not use when it goes through
the request's session: on PostgreSQL a BEGIN and a ROLLBACK round trip around the SELECT.
Switching a pooled connection to autocommit for one statement and back costs about as much
again inside SQLAlchemy. So each app keeps a second, small engine on the same database whose
connections are in autocommit from the moment they are opened. A read there sees committed
rows, as a READ COMMITTED transaction would; anything that writes, or reads what it is about
to write, uses the session.

Figures (docs/benchmarks.md, "Quiz page, part 2"): reading an attempt cost 385 µs of CPU on
SQLite and 768 µs on PostgreSQL with a per-statement switch, 254 µs and 483 µs here; My
training's facts 985 µs on PostgreSQL in a transaction of their own, 486 µs here.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy import Executable, Row, create_engine
from sqlalchemy.engine import Engine

from training_portal.extensions import db, ping_after_idle

EXTENSION = "autocommit_reads"
#: A sync worker serves one request at a time; the overflow serves a threaded dev server.
POOL_SIZE = 1


def init_app(app: Flask) -> None:
    """Give the app its autocommit engine, on the database and settings of ``db.engine``."""
    with app.app_context():
        app.extensions[EXTENSION] = _autocommit_engine(db.engine, app.config)


def _autocommit_engine(engine: Engine, config: Any) -> Engine:
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        # A memory database exists once per pool: share it, switching per statement.
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    options = {"pool_size": POOL_SIZE, **config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
               "isolation_level": "AUTOCOMMIT"}
    reads = create_engine(url, **options)
    ping_after_idle(reads)
    return reads


def one_row(statement: Executable, params: dict[str, Any]) -> Row[Any] | None:
    """The statement's only row (None for none) read in autocommit; more than one is an error."""
    engine: Engine = current_app.extensions[EXTENSION]
    with engine.connect() as connection:
        return connection.execute(statement, params).one_or_none()


def all_rows(statement: Executable, params: dict[str, Any]) -> tuple[tuple[Any, ...], ...]:
    """Every row of the statement, read in autocommit, as plain tuples (a Row compares in
    Python; tuples compare and hash in C, for pages kept under a key made of their facts)."""
    engine: Engine = current_app.extensions[EXTENSION]
    with engine.connect() as connection:
        return tuple(map(tuple, connection.execute(statement, params)))


def dispose_pools(app: Flask, close: bool = True) -> None:
    """Empty both pools: after a fork (``close=False``: the parent's connections are left to
    it) or when the database went away (the next request connects afresh)."""
    with app.app_context():
        db.engine.dispose(close=close)
        reads: Engine = app.extensions[EXTENSION]
        if reads.pool is not db.engine.pool:
            reads.dispose(close=close)
