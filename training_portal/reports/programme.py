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

from sqlalchemy import Date, and_, case, cast, func, select

from training_portal.extensions import db
from training_portal.learning import status
from training_portal.learning.models import Attempt, Completion, ConfidenceRating
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
    """Each current member's newest pass of each module, ranked in SQL (one row per person and module)."""
    members = select(Membership.user_id).where(Membership.left_at.is_(None))
    if area is not None:
        members = members.join(Venue, Venue.id == Membership.venue_id).where(Venue.area == area)
    ranked = (select(Completion.user_id, Completion.module_slug, Completion.module_version,
                     Completion.passed_at, Completion.expires_on,
                     func.row_number().over(partition_by=(Completion.user_id, Completion.module_slug),
                                            order_by=(Completion.passed_at.desc(), Completion.id.desc()))
                     .label("rank"))
              .where(Completion.user_id.in_(members)).subquery())
    query = select(ranked.c.user_id, ranked.c.module_slug, ranked.c.module_version,
                   _local_day(ranked.c.passed_at), ranked.c.expires_on).where(ranked.c.rank == 1)
    facts: dict[tuple[Any, ...], status.PassFacts] = {}  # equal facts shared: fewer objects, faster cache keys
    out = {}
    for user_id, slug, version, passed_on, expires_on in db.session.execute(query):
        key = (version, passed_on, expires_on)
        found = facts.get(key)
        if found is None:
            found = facts[key] = status.PassFacts(version, _as_date(passed_on), _as_date(expires_on))
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
    """First-attempt pass rates and attempts to pass, from one ordered pass over the graded attempts.

    Each person's attempts at a module are numbered in order (ungraded ones never count); the
    first is their first attempt, and the number of their first passing attempt is how many
    tries they needed. A row counts when that attempt started in the range. The same figures as
    `stats.pass_rate_first_attempt` and `stats.median` over people (a test checks they agree),
    done in SQL so that 400,000 attempts never leave the database.
    """
    order = (Attempt.started_at, Attempt.id)
    person = (Attempt.user_id, Attempt.module_slug)
    passes_so_far = func.sum(case((Attempt.passed.is_(True), 1), else_=0)).over(partition_by=person, order_by=order)
    ranked = (select(Attempt.module_slug, Attempt.passed, Attempt.started_at,
                     func.row_number().over(partition_by=person, order_by=order).label("number"),
                     passes_so_far.label("passes"))
              .where(Attempt.passed.is_not(None), *_people_in_area(Attempt.user_id, filters.area)).subquery())
    first_pass = and_(ranked.c.passed.is_(True), ranked.c.passes == 1)
    query = (select(ranked.c.module_slug, ranked.c.number, ranked.c.passed, func.count())
             .where((ranked.c.number == 1) | first_pass, *_in_range(ranked.c.started_at, filters))
             .group_by(ranked.c.module_slug, ranked.c.number, ranked.c.passed))
    tally: dict[str, list[int]] = {slug: [0, 0] for slug in slugs}
    needed: dict[str, list[int]] = {slug: [] for slug in slugs}
    for slug, number, passed, n in db.session.execute(query):
        if slug not in tally:
            continue
        if number == 1:
            tally[slug][0] += n
            tally[slug][1] += n if passed else 0
        if passed:  # a passing row here is the person's first pass (the query keeps no other)
            needed[slug].extend(repeat(int(number), n))
    first = {slug: FirstAttempts(passed, attempted, attempted) for slug, (attempted, passed) in tally.items()}
    return first, needed


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
