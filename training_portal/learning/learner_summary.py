"""Per person × module learner figures (`learner_module_summary`), kept in step with the raw rows.

The partnership's figures need, for every person and module: their first graded attempt (when,
passed or not), their first pass (when, and how many graded attempts it took) and their latest
pass (version, day, expiry, revoked). Computing that on each view means numbering ~400,000
attempts and ranking ~150,000 passes; instead this table holds one row per person × module.

One function, `summarise()`, turns one person's attempts and passes at one module into that
row. Both paths go through it, so they agree by construction:

- `refresh(user_id, slug)`: called in the grading transaction (`learning.attempts.submit_attempt`,
  after the pass is recorded) and on revocation (`certificates.services.revoke`). It first locks
  the person × module row (an upsert, which waits for any other transaction holding it), then
  reads that person's few attempts and passes at the module in fresh statements and writes the
  row. Under PostgreSQL's READ COMMITTED each statement sees everything committed before it
  started, so a second grading of the same person and module waits for the first to commit and
  then counts both: no count is lost, and an attempt graded out of order (two open attempts
  after a content change) is still numbered by when it started, exactly as a rebuild numbers it.
  The lock is taken after `question_stats` (same order in every grading: no deadlock).
- `rebuild()` (`flask reports refresh`): recomputes every row from all attempts and passes.

Attempts are numbered by (started_at, id) among graded ones (`passed` set); ungraded attempts
never count. The latest pass is the newest by (passed_at, id), revoked or not: a revoked latest
pass counts for nothing in `learning.status.standing()`, as on the venue matrix.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Any

from sqlalchemy import delete, insert, select, update

from training_portal.extensions import db, dialect_insert
from training_portal.learning.models import Attempt, Completion, LearnerModuleSummary
from training_portal.timeutil import site_date

#: (started_at, passed) of one graded attempt, in (started_at, id) order.
AttemptFacts = tuple[datetime, bool | None]
#: (completion id, version, passed_at, expires_on, revoked_at) of one pass.
PassRow = tuple[int, str, datetime, date, datetime | None]

FIGURES = ("attempts", "first_attempt_at", "first_attempt_passed", "first_pass_at", "attempts_to_pass",
           "latest_completion_id", "latest_version", "latest_passed_at", "latest_passed_on",
           "latest_expires_on", "latest_revoked")


@dataclass(frozen=True)
class Summary:
    attempts: int = 0
    first_attempt_at: datetime | None = None
    first_attempt_passed: bool | None = None
    first_pass_at: datetime | None = None
    attempts_to_pass: int | None = None
    latest_completion_id: int | None = None
    latest_version: str | None = None
    latest_passed_at: datetime | None = None
    latest_passed_on: date | None = None
    latest_expires_on: date | None = None
    latest_revoked: bool | None = None

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIGURES}


def summarise(attempts: Iterable[AttemptFacts], latest_pass: PassRow | None) -> Summary:
    """One person's figures at one module: graded attempts in (started_at, id) order, and the latest pass."""
    count, first_at, first_passed, pass_at, to_pass = 0, None, None, None, None
    for started_at, passed in attempts:
        count += 1
        if count == 1:
            first_at, first_passed = started_at, bool(passed)
        if passed and to_pass is None:
            pass_at, to_pass = started_at, count
    latest: dict[str, Any] = {}
    if latest_pass is not None:
        completion_id, version, passed_at, expires_on, revoked_at = latest_pass
        latest = {"latest_completion_id": completion_id, "latest_version": version,
                  "latest_passed_at": passed_at, "latest_passed_on": site_date(passed_at),
                  "latest_expires_on": expires_on, "latest_revoked": revoked_at is not None}
    return Summary(count, first_at, first_passed, pass_at, to_pass, **latest)


def refresh(user_id: int, module_slug: str) -> Summary:
    """Bring one person × module row in step with their attempts and passes; in the caller's transaction."""
    table = LearnerModuleSummary.__table__
    lock = dialect_insert(table).values(user_id=user_id, module_slug=module_slug, attempts=0)
    db.session.execute(lock.on_conflict_do_update(  # takes (or waits for) the row lock
        index_elements=["user_id", "module_slug"], set_={"attempts": table.c.attempts}))
    tried = db.session.execute(
        select(Attempt.started_at, Attempt.passed)
        .where(Attempt.user_id == user_id, Attempt.module_slug == module_slug, Attempt.passed.is_not(None))
        .order_by(Attempt.started_at, Attempt.id)).all()
    latest = db.session.execute(
        select(Completion.id, Completion.module_version, Completion.passed_at, Completion.expires_on,
               Completion.revoked_at)
        .where(Completion.user_id == user_id, Completion.module_slug == module_slug)
        .order_by(Completion.passed_at.desc(), Completion.id.desc()).limit(1)).first()
    last: PassRow | None = (latest[0], latest[1], latest[2], latest[3], latest[4]) if latest else None
    summary = summarise([(at, passed) for at, passed in tried], last)
    db.session.execute(update(table).where(table.c.user_id == user_id, table.c.module_slug == module_slug)
                       .values(**summary.values()))
    return summary


def rebuild(batch_size: int = 5000) -> int:
    """Replace every row with figures recomputed from all attempts and passes; returns rows written."""
    table = LearnerModuleSummary.__table__
    db.session.execute(delete(table))
    tried = db.session.execute(
        select(Attempt.user_id, Attempt.module_slug, Attempt.started_at, Attempt.passed)
        .where(Attempt.passed.is_not(None))
        .order_by(Attempt.user_id, Attempt.module_slug, Attempt.started_at, Attempt.id)
        .execution_options(yield_per=batch_size))
    attempts = {key: [(at, passed) for _u, _s, at, passed in rows]
                for key, rows in groupby(tried, key=lambda r: (r[0], r[1]))}
    latest: dict[tuple[int, str], PassRow] = {}
    for user_id, slug, completion_id, version, passed_at, expires_on, revoked_at in db.session.execute(
            select(Completion.user_id, Completion.module_slug, Completion.id, Completion.module_version,
                   Completion.passed_at, Completion.expires_on, Completion.revoked_at)
            .order_by(Completion.user_id, Completion.module_slug, Completion.passed_at, Completion.id)
            .execution_options(yield_per=batch_size)):
        latest[(user_id, slug)] = (completion_id, version, passed_at, expires_on, revoked_at)  # the last wins
    written = 0
    for chunk in _chunks(sorted(attempts.keys() | latest.keys()), 1000):
        rows = [{"user_id": u, "module_slug": s, **summarise(attempts.get((u, s), ()), latest.get((u, s))).values()}
                for u, s in chunk]
        db.session.execute(insert(table), rows)
        written += len(rows)
    return written


def _chunks(keys: list[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    for start in range(0, len(keys), size):
        yield keys[start:start + size]
