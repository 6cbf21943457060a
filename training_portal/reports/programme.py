"""The partnership's figures: every venue at once, in a fixed number of SQL statements.

Statements do not grow with venues, staff or passes (a test counts them for two data sizes):
one each for the venues, the current memberships, everyone's latest pass per module, the
weekly completions, the first attempts, the attempts to pass and (on the outcomes page) the
confidence ratings. Each is grouped in SQL where the figure allows, so rows stay small.

"In date" is never re-derived here: each (person, module) cell goes through
`learning.status.standing()` with that venue's policy. The rule's inputs repeat heavily across
the cells (the same pass date and version, the same venue refresher), so results are cached per
distinct input for the length of one call (`_StandingCache`).

The date range applies to completions, attempts and ratings; coverage and starters past their
deadline are "as of today". The area filter keeps venues in that area; for the dated figures it
keeps people who have (or had) a membership at a venue in the area.

Counts here are raw; `reports/suppression.py` is applied by `programme_view` and the exports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import repeat
from typing import Any

from sqlalchemy import Date, case, cast, func, literal, select, union_all

from training_portal.extensions import db
from training_portal.learning import status
from training_portal.learning.models import Completion, ConfidenceRating, LearnerModuleSummary
from training_portal.learning.venue_policy import VenuePolicy, policy_of
from training_portal.modules.content import Module
from training_portal.reports.outcomes import RatingRow
from training_portal.reports.stats import FirstAttempts, median, week_start
from training_portal.timeutil import site_date, site_zone
from training_portal.venues.models import Membership, Venue


@dataclass(frozen=True)
class Filters:
    """Site-time-zone dates, both included; area None means every venue."""

    date_from: date
    date_to: date
    area: str | None = None

    def weeks(self) -> list[date]:
        """The Mondays of every week the range touches, oldest first."""
        first, last = week_start(self.date_from), week_start(self.date_to)
        return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


@dataclass(frozen=True)
class VenueCoverage:
    venue_id: int
    name: str
    area: str | None
    staff: int  # current members, managers included (they serve at the bar too)
    in_date: int  # of them, in date on every module this venue requires
    past_deadline: int  # new starters past this venue's deadline


@dataclass(frozen=True)
class ProgrammeFigures:
    """Raw counts (nobody named), before the small-number rule."""

    filters: Filters
    today: date
    modules: tuple[Module, ...]  # published, catalog order
    venues: tuple[VenueCoverage, ...]  # by name
    people: int  # distinct people with a current membership
    people_in_date: int  # ... in date at every venue they work at
    weekly: dict[str, list[tuple[date, int]]]  # slug → (Monday, completions) per week of the range
    first_attempts: dict[str, FirstAttempts]
    attempts_to_pass: dict[str, list[int]]  # slug → attempts each person needed (first pass in range)
    area_people: dict[str, tuple[int, int]] = field(default_factory=dict)  # area → (people, in date)

    def median_attempts(self, slug: str) -> float | None:
        return median(self.attempts_to_pass.get(slug, []))


def known_areas() -> list[str]:
    return list(db.session.scalars(
        select(Venue.area).where(Venue.area.is_not(None)).distinct().order_by(Venue.area)))


def programme_figures(modules: Sequence[Module], filters: Filters, today: date) -> ProgrammeFigures:
    published = tuple(m for m in modules if m.is_published)
    venues = _venues(filters.area)
    members = _current_members(filters.area)
    passes = _latest_passes(filters.area)
    coverage, people, areas = _coverage(published, venues, members, passes, today)
    slugs = [m.slug for m in published]
    first, needed = _attempt_figures(filters, slugs)
    return ProgrammeFigures(
        filters=filters, today=today, modules=published, venues=coverage,
        people=len(people), people_in_date=sum(1 for ok in people.values() if ok),
        weekly=_weekly_completions(filters, slugs), first_attempts=first, attempts_to_pass=needed,
        area_people=areas)


def rating_rows(filters: Filters) -> list[RatingRow]:
    """Ratings given in the range (one statement); `reports.outcomes` picks the answers that count."""
    query = (select(ConfidenceRating.user_id, ConfidenceRating.module_slug, ConfidenceRating.stage,
                    ConfidenceRating.rating, ConfidenceRating.created_at)
             .where(*_in_range(ConfidenceRating.created_at, filters),
                    *_people_in_area(ConfidenceRating.user_id, filters.area)))
    return [RatingRow(u, s, stage, r, _aware(at)) for u, s, stage, r, at in db.session.execute(query)]


# --- queries ------------------------------------------------------------------------------------

def _venues(area: str | None) -> list[Venue]:
    query = select(Venue).order_by(Venue.name, Venue.id)
    if area is not None:
        query = query.where(Venue.area == area)
    return list(db.session.scalars(query))


def _current_members(area: str | None) -> list[tuple[int, int, datetime]]:
    query = select(Membership.venue_id, Membership.user_id, Membership.joined_at).where(
        Membership.left_at.is_(None))
    if area is not None:
        query = query.join(Venue, Venue.id == Membership.venue_id).where(Venue.area == area)
    return [(v, u, j) for v, u, j in db.session.execute(query)]


def _latest_passes(area: str | None) -> dict[tuple[int, str], status.PassFacts]:
    """Each current member's newest pass of each module (revoked or not), from the learner summary."""
    members = select(Membership.user_id).where(Membership.left_at.is_(None))
    if area is not None:
        members = members.join(Venue, Venue.id == Membership.venue_id).where(Venue.area == area)
    s = LearnerModuleSummary
    query = (select(s.user_id, s.module_slug, s.latest_version, s.latest_passed_on, s.latest_expires_on,
                    s.latest_revoked)
             .where(s.latest_completion_id.is_not(None), s.user_id.in_(members)))
    facts: dict[tuple[Any, ...], status.PassFacts] = {}  # equal facts shared: fewer objects, faster cache keys
    out = {}
    for user_id, slug, *key in db.session.connection().execute(query):
        found = facts.get(tuple(key))
        if found is None:
            version, passed_on, expires_on, revoked = key
            found = facts[tuple(key)] = status.PassFacts(version, passed_on, expires_on, bool(revoked))
        out[(user_id, slug)] = found
    return out


def _weekly_completions(filters: Filters, slugs: list[str]) -> dict[str, list[tuple[date, int]]]:
    day = _local_day(Completion.passed_at)
    query = (select(Completion.module_slug, day, func.count())
             .where(*_in_range(Completion.passed_at, filters),
                    *_people_in_area(Completion.user_id, filters.area))
             .group_by(Completion.module_slug, day))
    weeks = filters.weeks()
    counts: dict[str, Counter[date]] = {slug: Counter() for slug in slugs}
    for slug, on, n in db.session.execute(query):
        if slug in counts:
            counts[slug][week_start(_as_date(on))] += n
    return {slug: [(monday, counts[slug][monday]) for monday in weeks] for slug in slugs}


def _attempt_figures(filters: Filters, slugs: list[str]) -> tuple[dict[str, FirstAttempts], dict[str, list[int]]]:
    """First-attempt pass rates and attempts to pass, grouped in SQL from the learner summary (one statement).

    Each person's graded attempts at a module are numbered in order (`learning.learner_summary`);
    the first is their first attempt, and the number of their first passing attempt is how many
    tries they needed. A person counts when that attempt started in the range. The same figures
    as `stats.pass_rate_first_attempt` and `stats.median` over people (a test checks they agree).
    """
    s = LearnerModuleSummary
    area = _people_in_area(s.user_id, filters.area)
    first = (select(literal("first"), s.module_slug, case((s.first_attempt_passed.is_(True), 1), else_=0),
                    func.count())
             .where(*_in_range(s.first_attempt_at, filters), *area)
             .group_by(s.module_slug, s.first_attempt_passed))
    needed = (select(literal("needed"), s.module_slug, s.attempts_to_pass, func.count())
              .where(*_in_range(s.first_pass_at, filters), *area)
              .group_by(s.module_slug, s.attempts_to_pass))
    tally: dict[str, list[int]] = {slug: [0, 0] for slug in slugs}
    tries: dict[str, list[int]] = {slug: [] for slug in slugs}
    for kind, slug, value, n in db.session.execute(union_all(first, needed)):
        if slug not in tally:
            continue
        if kind == "first":
            tally[slug][0] += n
            tally[slug][1] += n if value else 0
        else:
            tries[slug].extend(repeat(int(value), n))
    firsts = {slug: FirstAttempts(passed, attempted, attempted) for slug, (attempted, passed) in tally.items()}
    return firsts, tries


def _in_range(column: Any, filters: Filters) -> list[Any]:
    zone = site_zone()
    start = datetime.combine(filters.date_from, time(), zone).astimezone(UTC)
    end = datetime.combine(filters.date_to + timedelta(days=1), time(), zone).astimezone(UTC)
    return [column >= start, column < end]


def _people_in_area(user_column: Any, area: str | None) -> list[Any]:
    if area is None:
        return []
    return [user_column.in_(select(Membership.user_id).join(Venue, Venue.id == Membership.venue_id)
                            .where(Venue.area == area))]


def _local_day(column: Any) -> Any:
    """The site-time-zone day in PostgreSQL; SQLite (no time zones) groups by the UTC day."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone(site_zone().key, func.timezone("UTC", column)), Date)
    return func.date(column)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- coverage: the one rule, per venue policy, cached per distinct input -------------------------

class _StandingCache:
    """`status.standing()` once per distinct input; the venue named in a refresher does not change the state."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.seen: dict[tuple[Any, ...], bool] = {}

    def in_date(self, module: Module, facts: status.PassFacts | None,
                refreshers: tuple[status.Refresher, ...]) -> bool:
        if facts is None:
            return False  # never passed: not in date, whatever the rule's other inputs
        key = (module.major_version, facts, tuple(r.months for r in refreshers))
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = status.standing(module.major_version, facts, True, self.today,
                                                     refreshers).in_date
        return found


def _coverage(modules: tuple[Module, ...], venues: list[Venue], members: list[tuple[int, int, datetime]],
              passes: dict[tuple[int, str], status.PassFacts], today: date,
              ) -> tuple[tuple[VenueCoverage, ...], dict[int, bool], dict[str, tuple[int, int]]]:
    """Per venue: staff, in date on every required module, past the starter deadline.

    A person at two venues counts once among `people`, and as in date only if in date at
    every venue they work at (each venue's own policy).
    """
    cache = _StandingCache(today)
    policies = {v.id: policy_of(v) for v in venues}
    required = {vid: [(m, p.refreshers_for(m.slug)) for m in p.required(modules)] for vid, p in policies.items()}
    tally: dict[int, list[int]] = {v.id: [0, 0, 0] for v in venues}
    people: dict[int, bool] = {}
    by_area: dict[str, dict[int, bool]] = {}
    area_of = {v.id: v.area for v in venues}
    for venue_id, user_id, joined_at in members:
        if venue_id not in tally:
            continue
        fully = all(cache.in_date(m, passes.get((user_id, m.slug)), refs) for m, refs in required[venue_id])
        counts = tally[venue_id]
        counts[0] += 1
        counts[1] += fully
        counts[2] += _past_deadline(policies[venue_id], joined_at, fully, today)
        people[user_id] = people.get(user_id, True) and fully
        if (area := area_of[venue_id]) is not None:
            in_area = by_area.setdefault(area, {})
            in_area[user_id] = in_area.get(user_id, True) and fully
    rows = tuple(VenueCoverage(v.id, v.name, v.area, *tally[v.id]) for v in venues)
    areas = {a: (len(p), sum(p.values())) for a, p in sorted(by_area.items())}
    return rows, people, areas


def _past_deadline(policy: VenuePolicy, joined_at: datetime, fully: bool, today: date) -> bool:
    if policy.starter_deadline_days is None or fully:
        return False
    return status.past_starter_deadline(site_date(_aware(joined_at)), policy.starter_deadline_days, fully, today)
