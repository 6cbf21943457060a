"""The daily run behind ``flask reminders send``: expiry reminders and weekly digests.

Nothing is sent twice, even when two runs overlap. Before a mail is queued, the
``reminders_sent`` row for each thing it reminds about is claimed with ``INSERT … ON CONFLICT
DO NOTHING`` in the same transaction as the queued mail: a mail is queued if and only if its
rows were claimed by this run. On PostgreSQL an overlapping run's INSERT of the same key
waits for ours to commit, then does nothing; SQLite has one writer at a time.

The run plans its mails as it goes and settles them a batch at a time (``BATCH`` mails): one
SELECT finds which of the batch's keys are already in ``reminders_sent``; one multi-row
``INSERT … ON CONFLICT DO NOTHING RETURNING`` claims the rest (rows in key order, so two
overlapping runs take their row locks in the same order and never deadlock); one multi-row
INSERT queues a mail for every pending mail with at least one key claimed, naming only those
keys; then a commit. So a claimed key always has its queued mail, in the same transaction, and
a crash loses at most one uncommitted batch (its claims and mails together). The SELECT only
saves work (a second run writes nothing): the claim alone decides, so a key another run
commits after the SELECT is still not sent twice. A dry run claims nothing: it runs the same
SELECT, prints what it would send and writes nothing.

Speed: one ``venue_overview`` per venue (a handful of statements each, independent of its
staff), then about three statements a batch; see docs/benchmarks.md "Reminders".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select, tuple_

from training_portal.accounts.models import User
from training_portal.content_access import catalog
from training_portal.dashboards.venue import venue_overview
from training_portal.db import utcnow
from training_portal.extensions import db, dialect_insert
from training_portal.notifications.outbox import Outgoing, queue_mails
from training_portal.reminders import plan
from training_portal.reminders.messages import digest_message, expiry_message
from training_portal.reminders.models import ReminderSent
from training_portal.venues.models import Membership, Venue

#: Mails settled (looked up, claimed, queued, committed) together.
BATCH = 200
EXPIRY = "expiry"
DIGEST = "digest"
#: Keys a statement (4 bound values each in the claim).
CHUNK = 2000
#: A ``reminders_sent`` key: (kind, user id, key).
Key = tuple[str, int, str]


@dataclass(frozen=True)
class RunSummary:
    expiry_reminders: int
    digests: int
    dry_run: bool

    def line(self) -> str:
        tail = " (dry run)" if self.dry_run else " queued"
        return f"{self.expiry_reminders} expiry reminders, {self.digests} digests{tail}"


Echo = Callable[[str], None]


@dataclass(frozen=True)
class Pending:
    """A mail the run means to send, once at least one of its keys is claimed."""

    kind: str  # EXPIRY or DIGEST: the reminders_sent kind
    to: plan.Recipient
    keys: tuple[str, ...]
    #: Subject and body naming only the claimed keys (a non-empty subset of ``keys``).
    compose: Callable[[frozenset[str]], tuple[str, str]]

    @property
    def mail_kind(self) -> str:
        return "digest" if self.kind == DIGEST else "reminder"


def send_reminders(today: date, days: int, dry_run: bool = False,
                   echo: Echo = lambda line: None) -> RunSummary:
    """Queue today's expiry reminders and this week's digests; ``echo`` gets one line a mail
    on a dry run."""
    run = _Run(dry_run, echo)
    disabled = _disabled_user_ids()
    people: dict[int, plan.PersonExpiry] = {}
    modules = catalog().ordered
    for venue in _venues_with_staff():
        overview = venue_overview(venue, modules, today)
        for row in overview.current:
            if row.user_id not in disabled:
                plan.fold_expiry(people, row)
        digest = plan.venue_digest(venue.name, overview, disabled)
        if digest is not None:
            for manager in digest.managers:
                run.add(digest_pending(digest, manager, today))
    for person in people.values():
        pending = expiry_pending(person.recipient, person.due(today, days))
        if pending is not None:
            run.add(pending)
    run.settle()
    return RunSummary(run.sent[EXPIRY], run.sent[DIGEST], dry_run)


def digest_pending(digest: plan.VenueDigest, manager: plan.Recipient, today: date) -> Pending:
    def compose(_claimed: frozenset[str]) -> tuple[str, str]:
        return digest_message(manager.name, digest)
    return Pending(DIGEST, manager, (digest.key(today),), compose)


def expiry_pending(person: plan.Recipient, items: list[plan.Expiring]) -> Pending | None:
    if not items:
        return None

    def compose(claimed: frozenset[str]) -> tuple[str, str]:
        return expiry_message(person.name, [i for i in items if i.key in claimed])
    return Pending(EXPIRY, person, tuple(i.key for i in items), compose)


class _Run:
    """Collects pending mails and settles them ``BATCH`` at a time (see the module)."""

    def __init__(self, dry_run: bool, echo: Echo) -> None:
        self.dry_run, self.echo = dry_run, echo
        self.pending: list[Pending] = []
        self.sent: Counter[str] = Counter()

    def add(self, pending: Pending) -> None:
        self.pending.append(pending)
        if len(self.pending) >= BATCH:
            self.settle()

    def settle(self) -> None:
        """Claim and queue (or, dry, check and print) the pending mails; commit them."""
        batch, self.pending = self.pending, []
        wanted = [(p.kind, p.to.user_id, k) for p in batch for k in p.keys]
        fresh = set(wanted) - already_sent(wanted)
        owned = fresh if self.dry_run else claim(fresh)
        mails = []
        for pending in batch:
            keys = frozenset(k for k in pending.keys if (pending.kind, pending.to.user_id, k)
                             in owned)
            if not keys:
                continue
            subject, body = pending.compose(keys)
            mails.append(Outgoing(pending.to.email, subject, body, pending.mail_kind))
            self.sent[pending.kind] += 1
        if self.dry_run:
            for mail in mails:
                self.echo(f"{mail.to}\t{mail.kind}\t{mail.subject}")
        elif owned:
            queue_mails(mails)
            db.session.commit()


def claim(keys: Collection[Key]) -> set[Key]:
    """Insert the ``reminders_sent`` rows that do not exist; the keys this transaction owns.

    Rows in key order (``CHUNK`` a statement): PostgreSQL locks them in that order, so
    overlapping runs wait for each other (then do nothing for a key the other committed) but
    never deadlock.
    """
    now, owned = utcnow(), set[Key]()
    for chunk in _chunks(sorted(keys)):
        rows = [{"kind": kind, "user_id": user_id, "key": key, "sent_at": now}
                for kind, user_id, key in chunk]
        statement = (dialect_insert(ReminderSent).values(rows)
                     .on_conflict_do_nothing(index_elements=["kind", "user_id", "key"])
                     .returning(ReminderSent.kind, ReminderSent.user_id, ReminderSent.key))
        owned.update((kind, user_id, key) for kind, user_id, key in db.session.execute(statement))
    return owned


def already_sent(keys: Collection[Key]) -> set[Key]:
    """Which of ``keys`` are in ``reminders_sent`` already (committed by any run)."""
    columns = tuple_(ReminderSent.kind, ReminderSent.user_id, ReminderSent.key)
    found: set[Key] = set()
    for chunk in _chunks(list(keys)):
        rows = db.session.execute(select(ReminderSent.kind, ReminderSent.user_id,
                                         ReminderSent.key).where(columns.in_(chunk)))
        found.update((kind, user_id, key) for kind, user_id, key in rows)
    return found


def _chunks(keys: list[Key]) -> list[list[Key]]:
    """At most ``CHUNK`` keys a statement: SQLite allows 32,766 bound values in one."""
    return [keys[start:start + CHUNK] for start in range(0, len(keys), CHUNK)]


def _disabled_user_ids() -> set[int]:
    return set(db.session.scalars(select(User.id).where(User.is_disabled.is_(True))))


def _venues_with_staff() -> list[Venue]:
    has_staff = exists().where(Membership.venue_id == Venue.id, Membership.left_at.is_(None))
    return list(db.session.scalars(select(Venue).where(has_staff).order_by(Venue.id)))
