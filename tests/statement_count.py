"""Count the SQL statements a piece of code sends (PRODUCT.md: list pages in constant SQL).

    with counting_statements(db.engine) as seen:
        client.get(url)
    assert len(seen) == ...

``statements_for(app, client, url)`` does one warm-up GET first (session check, catalog,
content reload), then counts the statements of a second GET and checks it answered 200, on
both of the app's engines (the session's and ``reads``' autocommit one).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from training_portal import reads
from training_portal.extensions import db


@contextmanager
def counting_statements(*engines: Engine) -> Iterator[list[str]]:
    """The SQL text of every statement sent on these engines inside the block, in order."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def statements_for(app: Flask, client: Any, url: str) -> list[str]:
    """The statements of one GET of ``url`` after a warm-up GET; the page must answer 200."""
    client.get(url)
    with app.app_context():
        engines = (db.engine, app.extensions[reads.EXTENSION])
    with counting_statements(*engines) as seen:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return seen
