"""What the daily run should send, decided from venue overviews (rows by the one status rule).

Plain functions over plain values, no database, so each rule is tested on its own:

- **expiry reminders** (to staff): for every module a person holds, the strictest date it is
  in date until across all their current venues (each venue's refresher rule applies where
  it requires the module). When that date is within ``days`` days (today and the last day
  included) and the pass is in date everywhere, the module goes in the person's reminder.
  Its key names the date, so a new pass (a new date) is reminded again, the same date never.
- **weekly digest** (to each manager of a venue): people due within 30 days (a required
  module "due soon"), overdue (a required pass expired or outdated) or past the starter
  deadline, with the venue's coverage. Keyed by ISO week, so at most one a week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from training_portal.dashboards.venue import Cell, PersonRow, VenueOverview
from training_portal.learning import status
from training_portal.venues.models import ROLE_MANAGER

OVERDUE = "overdue"
PAST_DEADLINE = "past_deadline"
DUE = "due"
CATEGORIES = (OVERDUE, PAST_DEADLINE, DUE)  # worst first: a person is listed under the first
LAPSED = frozenset({status.EXPIRED, status.OUTDATED})


@dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    email: str


@dataclass(frozen=True)
class Expiring:
    """One module in a person's expiry reminder."""

    slug: str
    title: str
    valid_until: date
    set_by: str | None  # the venue whose rule set the date; None: the module's own period

    @property
    def key(self) -> str:
        return f"expiry:{self.slug}:{self.valid_until.isoformat()}"


@dataclass
class Holding:
    """A held module, folded over the person's venues: the strictest date wins."""

    strictest: Expiring
    in_date_everywhere: bool


@dataclass
class PersonExpiry:
    recipient: Recipient
    holdings: dict[str, Holding] = field(default_factory=dict)

    def due(self, today: date, days: int) -> list[Expiring]:
        return sorted((h.strictest for h in self.holdings.values()
                       if h.in_date_everywhere and within(h.strictest.valid_until, today, days)),
                      key=lambda e: (e.valid_until, e.title))


@dataclass(frozen=True)
class DigestLine:
    name: str
    category: str
    cells: tuple[tuple[str, str, date | None], ...]  # (module title, state, valid until)
    starter_deadline: date | None


@dataclass(frozen=True)
class VenueDigest:
    venue_id: int
    venue_name: str
    lines: tuple[DigestLine, ...]
    in_date: int
    staff: int
    managers: tuple[Recipient, ...]

    def key(self, today: date) -> str:
        return f"digest:venue:{self.venue_id}:{iso_week(today)}"


def within(valid_until: date, today: date, days: int) -> bool:
    """Today up to and including ``today + days``: 30 days from 30 Nov includes 30 Dec."""
    return 0 <= (valid_until - today).days <= days


def iso_week(today: date) -> str:
    year, week, _day = today.isocalendar()
    return f"{year}-W{week:02d}"


def fold_expiry(people: dict[int, PersonExpiry], row: PersonRow) -> None:
    """Add one venue's row to the person's holdings (call once per current membership)."""
    person = people.setdefault(row.user_id, PersonExpiry(Recipient(row.user_id, row.name,
                                                                   row.email)))
    for cell in row.cells:
        if cell.last_pass is None or cell.last_pass.revoked or cell.standing.valid_until is None:
            continue
        candidate = Expiring(cell.module.slug, cell.module.title, cell.standing.valid_until,
                             cell.standing.set_by)
        held = person.holdings.get(candidate.slug)
        if held is None:
            person.holdings[candidate.slug] = Holding(candidate, cell.standing.in_date)
            continue
        held.in_date_everywhere = held.in_date_everywhere and cell.standing.in_date
        if candidate.valid_until < held.strictest.valid_until:
            held.strictest = candidate


def digest_category(row: PersonRow) -> str | None:
    required = row.required_cells
    if any(c.state in LAPSED for c in required):
        return OVERDUE
    if row.past_starter_deadline:
        return PAST_DEADLINE
    if any(c.state == status.DUE_SOON for c in required):
        return DUE
    return None


def _line(row: PersonRow, category: str) -> DigestLine:
    shown: list[Cell] = [c for c in row.required_cells
                         if not c.standing.in_date or c.state == status.DUE_SOON]
    return DigestLine(row.name, category,
                      tuple((c.module.title, c.state, c.standing.valid_until) for c in shown),
                      row.starter_deadline)


def venue_digest(venue_name: str, overview: VenueOverview,
                 disabled: frozenset[int] | set[int]) -> VenueDigest | None:
    """The digest for one venue, or None when nobody needs attention or nobody can receive it."""
    current = overview.current
    lines = [_line(r, c) for r in current if (c := digest_category(r)) is not None]
    managers = tuple(Recipient(r.user_id, r.name, r.email) for r in current
                     if r.role == ROLE_MANAGER and r.user_id not in disabled)
    if not lines or not managers:
        return None
    order = {name: i for i, name in enumerate(CATEGORIES)}
    lines.sort(key=lambda line: (order[line.category], line.name.casefold()))
    return VenueDigest(overview.venue_id, venue_name, tuple(lines),
                       overview.fully_in_date_count, len(current), managers)
