"""A venue's training overview: current staff × published modules, in a fixed number of queries.

Every cell's status comes from `learning.status.standing()` with this venue's policy; nothing
here re-derives "in date". The queries do not grow with staff: one for the people, one each
for latest passes, pages read, attempts and last nudges (each grouped in SQL).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any, NamedTuple

from sqlalchemy import Executable, Select, and_, case, func, select

from training_portal.accounts.models import User
from training_portal.certificates.models import Certificate
from training_portal.dashboards.models import Nudge
from training_portal.extensions import db
from training_portal.learning import status
from training_portal.learning.models import Attempt, Completion, PageView
from training_portal.learning.venue_policy import VenuePolicy, policy_of
from training_portal.modules.content import Module
from training_portal.timeutil import site_zone
from training_portal.venues.models import Membership, Venue


@dataclass(frozen=True)
class PassSummary:
    completion_id: int
    version: str
    passed_at: datetime
    expires_on: date
    certificate_id: int | None
    certificate_code: str | None  # normalised; format with certificates.codes.format_code
    revoked: bool
    #: The name printed on the current certificate, as issued (it may differ from the name now).
    certificate_name: str | None = None


@dataclass(frozen=True)
class Cell:
    module: Module
    standing: status.Standing
    required: bool
    last_pass: PassSummary | None = None
    pages_read: int = 0
    attempts: int = 0
    failed_attempts: int = 0

    @property
    def state(self) -> str:
        return self.standing.state


@dataclass(frozen=True)
class PersonRow:
    membership_id: int
    user_id: int
    name: str
    email: str
    role: str
    joined_at: datetime
    left_at: datetime | None
    cells: tuple[Cell, ...]
    last_activity: datetime | None
    last_nudged_at: datetime | None
    starter_deadline: date | None
    past_starter_deadline: bool

    @property
    def required_cells(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.required)

    @property
    def fully_in_date(self) -> bool:
        """In date on every required module (a venue requiring nothing counts as in date)."""
        return all(c.standing.in_date for c in self.required_cells)

    @property
    def never_started(self) -> bool:
        return all(c.state == status.NOT_STARTED for c in self.cells)

    @property
    def worst_state(self) -> str:
        cells = self.required_cells or self.cells
        if not cells:
            return status.PASSED
        return min((c.state for c in cells), key=lambda s: status.SEVERITY[s])

    def cell(self, slug: str) -> Cell | None:
        return next((c for c in self.cells if c.module.slug == slug), None)


@dataclass(frozen=True)
class VenueOverview:
    venue_id: int
    policy: VenuePolicy
    modules: tuple[Module, ...]  # published, in catalog order
    rows: tuple[PersonRow, ...]  # current staff (and leavers when asked for), by name
    today: date
    counts: dict[str, Counter[str]] = field(default_factory=dict)  # slug → state → current staff

    @property
    def current(self) -> tuple[PersonRow, ...]:
        return tuple(r for r in self.rows if r.left_at is None)

    @property
    def leavers(self) -> tuple[PersonRow, ...]:
        return tuple(r for r in self.rows if r.left_at is not None)

    @property
    def required_modules(self) -> tuple[Module, ...]:
        return self.policy.required(self.modules)

    @property
    def fully_in_date_count(self) -> int:
        return sum(1 for r in self.current if r.fully_in_date)

    @property
    def coverage(self) -> float | None:
        """Share (0–1) of current staff in date on every required module; None with no staff."""
        current = self.current
        return self.fully_in_date_count / len(current) if current else None

    @property
    def past_starter_deadline(self) -> tuple[PersonRow, ...]:
        return tuple(r for r in self.current if r.past_starter_deadline)

    @property
    def never_started(self) -> tuple[PersonRow, ...]:
        return tuple(r for r in self.current if r.never_started)


def venue_overview(venue: Venue, modules: Sequence[Module], today: date,
                   include_leavers: bool = False) -> VenueOverview:
    published = tuple(m for m in modules if m.is_published)
    policy = policy_of(venue)
    memberships = _memberships(venue.id, include_leavers)
    member_ids = select(Membership.user_id).where(*_membership_filter(venue.id, include_leavers))
    passes = _latest_passes(member_ids)
    reading = _pages_read(member_ids)
    tries = _attempts(member_ids)
    nudges = _last_nudges(venue.id)
    rules, zone = _rules(published, policy), site_zone()
    rows = tuple(_person_row(m, rules, policy, passes, reading, tries, nudges, today, zone)
                 for m in memberships)
    counts: dict[str, Counter[str]] = {m.slug: Counter() for m in published}
    for row in rows:
        if row.left_at is None:
            for cell in row.cells:
                counts[cell.module.slug][cell.state] += 1
    return VenueOverview(venue.id, policy, published, rows, today, counts)


def person_overview(venue: Venue, membership: Membership, modules: Sequence[Module],
                    today: date) -> PersonRow:
    """One person's row at this venue (current or a leaver), by the same rule as the matrix."""
    published = tuple(m for m in modules if m.is_published)
    policy = policy_of(venue)
    member_ids = select(Membership.user_id).where(Membership.id == membership.id)
    user = membership.user
    member = _Member(membership.id, user.id, user.name, user.email, membership.role,
                     membership.joined_at, membership.left_at)
    return _person_row(member, _rules(published, policy), policy, _latest_passes(member_ids),
                       _pages_read(member_ids), _attempts(member_ids), _last_nudges(venue.id),
                       today, site_zone())


class _Member(NamedTuple):
    """The columns a row needs (plain values: no ORM objects for 500 people)."""

    id: int
    user_id: int
    name: str
    email: str
    role: str
    joined_at: datetime
    left_at: datetime | None


class _Rule(NamedTuple):
    """What the status rule needs per module, worked out once per overview, not per cell."""

    module: Module
    major_version: int
    required: bool
    refreshers: tuple[status.Refresher, ...]


def _rules(modules: Sequence[Module], policy: VenuePolicy) -> tuple[_Rule, ...]:
    return tuple(_Rule(m, m.major_version, policy.requires(m.slug), policy.refreshers_for(m.slug))
                 for m in modules)


def _membership_filter(venue_id: int, include_leavers: bool) -> list[Any]:
    conditions: list[Any] = [Membership.venue_id == venue_id]
    if not include_leavers:
        conditions.append(Membership.left_at.is_(None))
    return conditions


def _memberships(venue_id: int, include_leavers: bool) -> list[_Member]:
    query = (select(Membership.id, User.id, User.name, User.email, Membership.role,
                    Membership.joined_at, Membership.left_at)
             .join(User, User.id == Membership.user_id)
             .where(*_membership_filter(venue_id, include_leavers))
             .order_by(User.name, Membership.joined_at))
    return [_Member(*row) for row in _rows(query)]


def _latest_passes(member_ids: Select[Any]) -> dict[tuple[int, str], PassSummary]:
    ranked = (select(Completion.id.label("id"),
                     func.row_number().over(
                         partition_by=(Completion.user_id, Completion.module_slug),
                         order_by=(Completion.passed_at.desc(), Completion.id.desc())).label("rank"))
              .where(Completion.user_id.in_(member_ids)).subquery())
    query = (select(Completion.user_id, Completion.module_slug, Completion.id,
                    Completion.module_version, Completion.passed_at, Completion.expires_on,
                    Certificate.id, Certificate.code, Certificate.revoked_at, Certificate.holder_name)
             .join(ranked, and_(ranked.c.id == Completion.id, ranked.c.rank == 1))
             # The current certificate only (a reissued pass has replaced ones too).
             .outerjoin(Certificate, and_(Certificate.completion_id == Completion.id,
                                          Certificate.replaced_at.is_(None))))
    return {(user_id, slug): PassSummary(cid, version, passed_at, expires_on, cert_id, code,
                                         revoked_at is not None, printed)
            for user_id, slug, cid, version, passed_at, expires_on, cert_id, code, revoked_at,
            printed in _rows(query)}


def _pages_read(member_ids: Select[Any]) -> dict[tuple[int, str], tuple[int, datetime]]:
    query = (select(PageView.user_id, PageView.module_slug, func.count(), func.max(PageView.viewed_at))
             .where(PageView.user_id.in_(member_ids))
             .group_by(PageView.user_id, PageView.module_slug))
    return {(u, s): (n, _aware(last)) for u, s, n, last in _rows(query)}


def _attempts(member_ids: Select[Any]) -> dict[tuple[int, str], tuple[int, int, datetime]]:
    failed = func.sum(case((Attempt.passed.is_(False), 1), else_=0))
    query = (select(Attempt.user_id, Attempt.module_slug, func.count(), failed,
                    func.max(Attempt.started_at))
             .where(Attempt.user_id.in_(member_ids))
             .group_by(Attempt.user_id, Attempt.module_slug))
    return {(u, s): (n, int(f or 0), _aware(last)) for u, s, n, f, last in _rows(query)}


def _last_nudges(venue_id: int) -> dict[int, datetime]:
    query = (select(Nudge.user_id, func.max(Nudge.sent_at)).where(Nudge.venue_id == venue_id)
             .group_by(Nudge.user_id))
    return {u: _aware(last) for u, last in _rows(query)}


def _rows(query: Executable) -> Any:
    """Plain rows through the session's connection: these are column queries, and skipping the
    ORM's result layer matters at 5,000 cells (same transaction, same column types)."""
    return db.session.connection().execute(query)


def _aware(moment: datetime) -> datetime:
    """Aggregates (max) bypass the UTC column type on some databases; make them aware UTC."""
    if moment.tzinfo is UTC:
        return moment
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _person_row(member: _Member, rules: tuple[_Rule, ...], policy: VenuePolicy,
                passes: dict[tuple[int, str], PassSummary],
                reading: dict[tuple[int, str], tuple[int, datetime]],
                tries: dict[tuple[int, str], tuple[int, int, datetime]],
                nudges: dict[int, datetime], today: date, zone: tzinfo) -> PersonRow:
    """``zone`` is the site's time zone, looked up once per overview rather than per cell."""
    cells = []
    activity: list[datetime] = []
    user_id = member.user_id
    for module, major, required, refreshers in rules:
        key = (user_id, module.slug)
        last_pass, read, tried = passes.get(key), reading.get(key), tries.get(key)
        facts = None
        if last_pass is not None:
            facts = status.PassFacts(last_pass.version, last_pass.passed_at.astimezone(zone).date(),
                                     last_pass.expires_on, last_pass.revoked)
            activity.append(last_pass.passed_at)
        if read:
            activity.append(read[1])
        if tried:
            activity.append(tried[2])
        standing = status.standing(major, facts, bool(read or tried), today, refreshers)
        cells.append(Cell(module, standing, required, last_pass, read[0] if read else 0,
                          tried[0] if tried else 0, tried[1] if tried else 0))
    row_cells = tuple(cells)
    fully = all(c.standing.in_date for c in row_cells if c.required)
    joined_on = member.joined_at.astimezone(zone).date()
    return PersonRow(
        member.id, user_id, member.name, member.email, member.role, member.joined_at,
        member.left_at, row_cells, max(activity) if activity else None, nudges.get(user_id),
        status.starter_deadline(joined_on, policy.starter_deadline_days),
        status.past_starter_deadline(joined_on, policy.starter_deadline_days, fully, today))


SORTS = ("name", "joined", "activity", "status")


def filter_rows(rows: Sequence[PersonRow], module_slug: str | None = None,
                state: str | None = None) -> list[PersonRow]:
    """People with ``state`` on ``module_slug`` (or on any module when no module is given)."""
    if state is None:
        return list(rows)
    if module_slug is not None:
        return [r for r in rows if (c := r.cell(module_slug)) is not None and c.state == state]
    return [r for r in rows if any(c.state == state for c in r.cells)]


def sort_rows(rows: Sequence[PersonRow], key: str) -> list[PersonRow]:
    """By name; by join date (newest first); by last activity (most recent first, never-active
    last); or worst status first."""
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.membership_id))
    if key == "joined":
        return sorted(by_name, key=lambda r: r.joined_at, reverse=True)
    if key == "activity":
        return sorted(by_name, key=lambda r: (r.last_activity is not None,
                                              r.last_activity or r.joined_at), reverse=True)
    if key == "status":
        return sorted(by_name, key=lambda r: status.SEVERITY[r.worst_state])
    return by_name
