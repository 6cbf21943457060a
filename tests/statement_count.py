"""Count the SQL statements a piece of code sends (PRODUCT.md: list pages in constant SQL).

    with counting_statements(db.engine) as seen:
        client.get(url)
    assert len(seen) == ...

``statements_for(app, client, url)`` does one warm-up GET first (session check, catalog,
content reload), then counts the statements of a second GET and checks it answered 200.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from training_portal.extensions import db


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL text of every statement sent on ``engine`` inside the block, in order."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(app: Flask, client: Any, url: str) -> list[str]:
    """The statements of one GET of ``url`` after a warm-up GET; the page must answer 200."""
    client.get(url)
    with app.app_context():
        engine = db.engine
    with counting_statements(engine) as seen:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return seen
