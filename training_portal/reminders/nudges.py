"""A manager's nudge: one friendly email to a person who has not started or is overdue.

Who may be nudged (``can_nudge``): a current member who, on a module the venue requires,
- has **not started** it, or
- is **overdue**: not in date on it and either past the venue's starter deadline, or
  previously passed it and the pass has run out (expired) or needs the new version (outdated).
Someone part-way through a module before any deadline, or in date (even if due soon: the
expiry reminders cover that), is not nudged.

At most one nudge per person per venue every ``NUDGE_INTERVAL`` (7 days, counted from the
moment the last one went). Two quick clicks cannot both pass the check: ``nudge`` first locks
the person's membership row for the rest of the transaction (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite, which ignores FOR UPDATE, a no-op UPDATE of that row takes the
database's single write lock), then reads the last nudge. The second click waits for the
first to commit, then sees its nudge and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from training_portal import audit
from training_portal.accounts.models import User
from training_portal.content_access import catalog
from training_portal.dashboards.models import Nudge
from training_portal.dashboards.venue import Cell, PersonRow, person_overview
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.learning import status
from training_portal.modules.content import Module
from training_portal.reminders.messages import send_nudge_email
from training_portal.reminders.plan import LAPSED
from training_portal.timeutil import site_today
from training_portal.venues.models import Membership, Venue

NUDGE_INTERVAL = timedelta(days=7)


class NudgeRefused(Exception):
    """The nudge was not sent; the message says why, for the manager."""


@dataclass(frozen=True)
class NudgeStatus:
    """What the matrix shows for one person: a button, "sent on …", or nothing."""

    needed: bool
    last_sent: datetime | None
    next_from: datetime | None  # set while the last nudge is less than 7 days old

    @property
    def waiting(self) -> bool:
        return self.next_from is not None


def overdue_cells(row: PersonRow) -> tuple[Cell, ...]:
    """Required modules the person is overdue on (see the module docstring)."""
    return tuple(c for c in row.required_cells if not c.standing.in_date
                 and (row.past_starter_deadline or c.state in LAPSED))


def cells_to_do(row: PersonRow) -> tuple[Cell, ...]:
    """Required modules a nudge asks the person to do: not started, or overdue."""
    overdue = set(overdue_cells(row))
    return tuple(c for c in row.required_cells
                 if c.state == status.NOT_STARTED or c in overdue)


def can_nudge(row: PersonRow) -> bool:
    return row.left_at is None and bool(cells_to_do(row))


def next_nudge_from(last: datetime | None, now: datetime) -> datetime | None:
    """When another nudge may go, or None when one may go now."""
    if last is None or last + NUDGE_INTERVAL <= now:
        return None
    return last + NUDGE_INTERVAL


def nudge_status(row: PersonRow, now: datetime | None = None) -> NudgeStatus:
    last = row.last_nudged_at
    return NudgeStatus(can_nudge(row), last, next_nudge_from(last, now or utcnow()))


def last_nudge(venue_id: int, user_id: int) -> datetime | None:
    return db.session.scalar(select(func.max(Nudge.sent_at))
                             .where(Nudge.venue_id == venue_id, Nudge.user_id == user_id))


def nudge(actor: User, venue: Venue, membership: Membership,
          modules: Sequence[Module] | None = None, today: date | None = None,
          now: datetime | None = None) -> Nudge:
    """Record a nudge and queue its email in the caller's transaction; the caller commits.

    Raises ``NudgeRefused`` for a leaver, a closed account, someone with nothing to do, or
    when the last nudge at this venue was less than 7 days ago.
    """
    now, today = now or utcnow(), today or site_today()
    _lock_membership(membership)
    user = membership.user
    if membership.left_at is not None:
        raise NudgeRefused(_("%(name)s no longer works here, so they cannot be reminded.",
                             name=user.name))
    if user.is_disabled:
        raise NudgeRefused(_("%(name)s's account is closed, so we cannot email them.",
                             name=user.name))
    _refuse_if_recent(user, last_nudge(venue.id, user.id), now)
    row = person_overview(venue, membership, modules or catalog().ordered, today)
    if not can_nudge(row):
        raise NudgeRefused(_("%(name)s has nothing to catch up on, so there is no reminder "
                             "to send.", name=user.name))
    record = Nudge(venue_id=venue.id, user_id=user.id, sent_by_id=actor.id, sent_at=now)
    db.session.add(record)
    send_nudge_email(user, venue, actor, [c.module.title for c in cells_to_do(row)],
                     row.starter_deadline, today)
    audit.record(actor.id, "venue.nudge", "membership", membership.id, venue_id=venue.id)
    db.session.flush()
    return record


def _refuse_if_recent(user: User, last: datetime | None, now: datetime) -> None:
    next_from = next_nudge_from(last, now)
    if last is not None and next_from is not None:  # (next_from implies last)
        raise NudgeRefused(_(
            "You sent %(name)s a reminder on %(sent)s. You can send another from %(next)s.",
            name=user.name, sent=format_date(last, "d MMMM yyyy"),
            next=format_date(next_from, "d MMMM yyyy")))


def _lock_membership(membership: Membership) -> None:
    """Hold the membership row until the transaction ends, then re-read it (see the module)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Membership).where(Membership.id == membership.id)
                           .values(role=Membership.role)
                           .execution_options(synchronize_session=False))
    else:
        db.session.execute(select(Membership.id).where(Membership.id == membership.id)
                           .with_for_update())
    db.session.refresh(membership)
