"""Per-worker memory of passed session checks, kept honest by one cheap poll.

Why: with 200 staff each opening a page every few seconds, remembering a check for only a
couple of seconds misses on nearly every request, and each miss is a database round trip. So a
worker remembers a passed check for up to ``REMEMBER_SECONDS`` (bounded in number), and at most
once every ``SESSION_CHECK_SECONDS`` runs ONE indexed query: "which people changed since my
last poll?". Anything that changes what the check reads (a log-out everywhere, a password
change, a disabled account, a name, email or role, who manages what) stamps the person's row
in the same transaction (``note_session_change``); a poll that sees a stamp differing from the
one a remembered check read drops that check. So a change reaches every worker, on every app
server, within ``SESSION_CHECK_SECONDS``, and a hit costs no query however many people there
are. In the worker that made the change it takes effect at once.

The stamp is the *database's* clock in microseconds (never an app server's: their clocks may
disagree), made strictly larger than the row's previous stamp, so two changes never share
one. A worker's poll mark is the largest stamp it has seen; each poll re-reads
``POLL_OVERLAP_MICROSECONDS`` before it, because a stamp is taken at the UPDATE and becomes
visible only at COMMIT: a change whose transaction commits within that overlap is never
missed. A re-read change drops nothing twice (the stamps then match). A worker's first poll
only reads the current largest stamp: it remembers nothing yet, so there is nothing to drop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context
from sqlalchemy import BigInteger, func, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from training_portal.accounts.models import User
from training_portal.extensions import db

if TYPE_CHECKING:
    from training_portal.accounts.sessions import SignedInUser

#: A remembered check is read afresh after this long even when no poll dropped it: a safety
#: net for a change no poll could see (a transaction open longer than the overlap below).
REMEMBER_SECONDS = 600.0
#: How many people a worker remembers; the oldest remembered is dropped first.
REMEMBER_AT_MOST = 10_000
#: Each poll re-reads changes stamped this long before its mark. Longer than gunicorn's request
#: timeout (30 s), so a request that stamps a change and commits late is still seen.
POLL_OVERLAP_MICROSECONDS = 60_000_000

_USERS = User.__table__


class _DatabaseMicroseconds(FunctionElement[int]):
    """The database server's clock, in microseconds since 1970 (one clock for every app server)."""

    type = BigInteger()
    inherit_cache = True
    name = "database_microseconds"


@compiles(_DatabaseMicroseconds)
def _sqlite_microseconds(element: Any, compiler: Any, **kw: Any) -> str:
    return "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)"


@compiles(_DatabaseMicroseconds, "postgresql")
def _postgresql_microseconds(element: Any, compiler: Any, **kw: Any) -> str:
    # clock_timestamp(), not now(): now() is when the transaction began, possibly long before.
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)"


class _Greater(FunctionElement[int]):
    """The larger of two integers: GREATEST on PostgreSQL, two-argument MAX on SQLite."""

    type = BigInteger()
    inherit_cache = True
    name = "greatest"


@compiles(_Greater)
def _greatest(element: Any, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(_Greater, "sqlite")
def _sqlite_greater(element: Any, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


def note_session_change(user_id: int) -> None:
    """Anything that changes what the session check reads calls this, in its own transaction:
    it stamps the person's row (so every other worker drops its remembered check at its next
    poll) and forgets the check in this worker at once."""
    db.session.execute(
        update(User).where(User.id == user_id)
        .values(session_stamp=_Greater(_USERS.c.session_stamp + 1, _DatabaseMicroseconds()))
        .execution_options(synchronize_session=False))
    forget_session_checks(user_id)


def changes_since(mark: int | None) -> tuple[int, list[tuple[int, int]]]:
    """One statement: (the new mark, [(user id, stamp)] changed since ``mark`` less the overlap).
    With no mark yet, only the largest stamp (an index lookup)."""
    connection = db.session.connection()
    if mark is None:
        return int(connection.scalar(select(func.max(_USERS.c.session_stamp))) or 0), []
    since = max(mark - POLL_OVERLAP_MICROSECONDS, 0)  # 0: never changed, never re-read
    rows = [(row.id, row.session_stamp) for row in connection.execute(
        select(_USERS.c.id, _USERS.c.session_stamp).where(_USERS.c.session_stamp > since))]
    return max([mark, *(stamp for _, stamp in rows)]), rows


@dataclass(frozen=True, slots=True)
class _Remembered:
    user: SignedInUser
    stamp: int
    at: float


class RecentChecks:
    """Passed session checks in this worker, by session id, and when to poll for changes.

    ``seconds`` is SESSION_CHECK_SECONDS: how often to poll (0: remember nothing, check every
    request). ``clock`` is a monotonic clock, injectable for tests. Changes take a lock (the
    development server is threaded); a hit, one ``dict.get``, does not.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic,
                 at_most: int = REMEMBER_AT_MOST, keep_seconds: float = REMEMBER_SECONDS) -> None:
        self.seconds = seconds
        self.at_most = at_most
        self.keep_seconds = keep_seconds
        self._clock = clock
        self._by_session: dict[str, _Remembered] = {}
        self._session_of: dict[int, str] = {}  # one valid session version per person at a time
        self._mark: int | None = None
        self._polled_at: float | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._by_session)

    def get(self, session_id: str) -> SignedInUser | None:
        found = self._by_session.get(session_id)
        if found is None or self._clock() - found.at >= self.keep_seconds:
            return None
        return found.user

    def remember(self, session_id: str, user: SignedInUser, stamp: int) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._drop(self._session_of.get(user.id))  # an older session version: useless now
            while len(self._by_session) >= self.at_most:
                self._drop(next(iter(self._by_session)))
            self._by_session[session_id] = _Remembered(user, stamp, self._clock())
            self._session_of[user.id] = session_id

    def forget_user(self, user_id: int) -> None:
        with self._lock:
            self._drop(self._session_of.get(user_id))

    def poll_due(self) -> bool:
        if self.seconds <= 0:
            return False
        return self._polled_at is None or self._clock() - self._polled_at >= self.seconds

    def poll(self, read_changes: Callable[[int | None], tuple[int, list[tuple[int, int]]]]
             ) -> None:
        """Ask ``read_changes`` (``changes_since``) once and drop every check it outdates."""
        self._polled_at = self._clock()
        self._mark, changed = read_changes(self._mark)
        self._drop_outdated(changed)

    def _drop_outdated(self, changed: Iterable[tuple[int, int]]) -> None:
        with self._lock:
            for user_id, stamp in changed:
                session_id = self._session_of.get(user_id)
                found = self._by_session.get(session_id) if session_id else None
                if found is not None and found.stamp != stamp:
                    self._drop(session_id)

    def _drop(self, session_id: str | None) -> None:
        """Callers hold the lock."""
        found = self._by_session.pop(session_id, None) if session_id else None
        if found is not None and self._session_of.get(found.user.id) == session_id:
            del self._session_of[found.user.id]


def recent_checks() -> RecentChecks:
    return current_app.extensions["session_checks"]


def forget_session_checks(user_id: int) -> None:
    """This worker only (a new log-in reads the person afresh); other workers learn of a change
    from ``note_session_change``'s stamp."""
    if has_app_context() and "session_checks" in current_app.extensions:
        recent_checks().forget_user(user_id)
