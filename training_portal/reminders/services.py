"""The daily run behind ``flask reminders send``: expiry reminders and weekly digests.

Nothing is sent twice, even when two runs overlap. Before a mail is queued, the
``reminders_sent`` row for each thing it reminds about is claimed with ``INSERT … ON CONFLICT
DO NOTHING`` in the same transaction as the queued mail: a mail is queued if and only if its
rows were claimed by this run. On PostgreSQL an overlapping run's INSERT of the same key
waits for ours to commit, then does nothing; SQLite has one writer at a time.

Commits come in batches (after each venue's digests, every ``BATCH`` people's reminders), so
a crash loses at most one uncommitted batch (its claims and mails go together) and never
queues a mail twice. A dry run claims nothing: it checks the existing rows, prints what it
would send and writes nothing.

Speed: one ``venue_overview`` per venue (a handful of statements each, independent of its
staff) plus one claim per mail; see docs/benchmarks.md "Reminders".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from training_portal.accounts.models import User
from training_portal.content_access import catalog
from training_portal.dashboards.venue import venue_overview
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.notifications.outbox import queue_mail
from training_portal.reminders import plan
from training_portal.reminders.messages import digest_message, expiry_message
from training_portal.reminders.models import ReminderSent
from training_portal.venues.models import Membership, Venue

#: People whose expiry reminders are committed together.
BATCH = 200
EXPIRY = "expiry"
DIGEST = "digest"


@dataclass(frozen=True)
class RunSummary:
    expiry_reminders: int
    digests: int
    dry_run: bool

    def line(self) -> str:
        tail = " (dry run)" if self.dry_run else " queued"
        return f"{self.expiry_reminders} expiry reminders, {self.digests} digests{tail}"


Echo = Callable[[str], None]


def send_reminders(today: date, days: int, dry_run: bool = False,
                   echo: Echo = lambda line: None) -> RunSummary:
    """Queue today's expiry reminders and this week's digests; ``echo`` gets one line a mail
    on a dry run."""
    run = _Run(today, dry_run, echo)
    disabled = _disabled_user_ids()
    people: dict[int, plan.PersonExpiry] = {}
    digests, modules = 0, catalog().ordered
    for venue in _venues_with_staff():
        overview = venue_overview(venue, modules, today)
        for row in overview.current:
            if row.user_id not in disabled:
                plan.fold_expiry(people, row)
        digest = plan.venue_digest(venue.name, overview, disabled)
        if digest is not None:
            digests += sum(run.digest(digest, manager) for manager in digest.managers)
        run.end_batch()
    reminders = 0
    for count, person in enumerate(people.values(), start=1):
        reminders += run.expiry(person.recipient, person.due(today, days))
        if count % BATCH == 0:
            run.end_batch()
    run.end_batch()
    return RunSummary(reminders, digests, dry_run)


class _Run:
    """Claims and queues (or, dry, only checks and prints) one mail at a time."""

    def __init__(self, today: date, dry_run: bool, echo: Echo) -> None:
        self.today, self.dry_run, self.echo = today, dry_run, echo
        self.dirty = False

    def digest(self, digest: plan.VenueDigest, manager: plan.Recipient) -> bool:
        if not self._claim(DIGEST, manager.user_id, [digest.key(self.today)]):
            return False
        subject, body = digest_message(manager.name, digest)
        self._send(manager, subject, body, "digest")
        return True

    def expiry(self, person: plan.Recipient, items: list[plan.Expiring]) -> bool:
        claimed = set(self._claim(EXPIRY, person.user_id, [i.key for i in items]))
        items = [i for i in items if i.key in claimed]
        if not items:
            return False
        subject, body = expiry_message(person.name, items)
        self._send(person, subject, body, "reminder")
        return True

    def _claim(self, kind: str, user_id: int, keys: Iterable[str]) -> list[str]:
        if self.dry_run:
            return [k for k in keys if not already_sent(kind, user_id, k)]
        return [k for k in keys if claim(kind, user_id, k)]

    def _send(self, to: plan.Recipient, subject: str, body: str, kind: str) -> None:
        if self.dry_run:
            self.echo(f"{to.email}\t{kind}\t{subject}")
            return
        queue_mail(to.email, subject, body, kind=kind)
        self.dirty = True

    def end_batch(self) -> None:
        if self.dirty:
            db.session.commit()
            self.dirty = False


def claim(kind: str, user_id: int, key: str) -> bool:
    """Insert the ``reminders_sent`` row unless it exists; True if this transaction owns it."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (insert(ReminderSent)
                 .values(kind=kind, user_id=user_id, key=key, sent_at=utcnow())
                 .on_conflict_do_nothing(index_elements=["kind", "user_id", "key"])
                 .returning(ReminderSent.id))
    return db.session.execute(statement).scalar() is not None


def already_sent(kind: str, user_id: int, key: str) -> bool:
    return bool(db.session.scalar(select(exists().where(
        ReminderSent.kind == kind, ReminderSent.user_id == user_id, ReminderSent.key == key))))


def _disabled_user_ids() -> set[int]:
    return set(db.session.scalars(select(User.id).where(User.is_disabled.is_(True))))


def _venues_with_staff() -> list[Venue]:
    has_staff = exists().where(Membership.venue_id == Venue.id, Membership.left_at.is_(None))
    return list(db.session.scalars(select(Venue).where(has_staff).order_by(Venue.id)))
