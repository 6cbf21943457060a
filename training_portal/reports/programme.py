"""The partnership's figures: every venue at once, in a fixed number of SQL statements.

Statements do not grow with venues, staff or passes (a test counts them for two data sizes):
one each for the venues, the current memberships, everyone's latest pass per module, the
weekly completions, the first attempts with the attempts to pass and (on the outcomes page)
the confidence ratings. Each is grouped in SQL where the figure allows, so rows stay small.
The per-person figures (first attempt, first pass, latest pass) come from the learner summary
(`learning.learner_summary`), kept in step on grading and revocation, rather than from
numbering every attempt and ranking every pass on each view.

"In date" is never re-derived here: each (person, module) cell goes through
`learning.status.standing()` with that venue's policy. The rule's inputs repeat heavily across
the cells (the same pass date and version, the same venue refresher), so results are cached per
distinct input for the length of one call (`_Rule`).

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

from sqlalchemy import Date, and_, case, cast, func, literal, select, union_all

from training_portal.collector import collector_paused
from training_portal.extensions import db
from training_portal.learning import status
from training_portal.learning.models import Completion, ConfidenceRating, LearnerModuleSummary
from training_portal.learning.venue_policy import policy_of
from training_portal.modules.content import Module
from training_portal.reports import outcomes as oc
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
    with collector_paused():
        return _programme_figures(modules, filters, today)


def _programme_figures(modules: Sequence[Module], filters: Filters, today: date) -> ProgrammeFigures:
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


def picked_ratings(filters: Filters) -> list[oc.Picked]:
    """Ratings given in the range, one row per person × module with the answers that count (one statement).

    The same choice as `reports.outcomes.pick` (earliest "before" answer, latest "after" answer,
    a skip only when that stage has no answer; a test checks they agree), made in SQL, so about
    43,000 rows leave the database at full scale instead of every rating.
    """
    r = ConfidenceRating
    ranked = (select(r.user_id, r.module_slug, r.stage, r.rating, r.created_at,
                     func.row_number().over(
                         partition_by=(r.user_id, r.module_slug, r.stage),
                         order_by=(case((r.rating.is_(None), 1), else_=0),  # answers before skips
                                   case((r.stage == oc.BEFORE, r.created_at)),  # before: earliest first
                                   r.created_at.desc(), r.id)).label("rank"))  # after: latest first
              .where(*_in_range(r.created_at, filters), *_people_in_area(r.user_id, filters.area))
              .subquery())
    c = ranked.c
    before, after = c.stage == oc.BEFORE, c.stage == oc.AFTER
    answered_at = {stage: func.max(case((and_(is_stage, c.rating.is_not(None)), c.created_at)))
                   for stage, is_stage in ((oc.BEFORE, before), (oc.AFTER, after))}
    query = (select(c.user_id, c.module_slug,
                    func.max(case((before, c.rating))), func.max(case((before, 1), else_=0)),
                    func.max(case((after, c.rating))), func.max(case((after, 1), else_=0)),
                    case((answered_at[oc.AFTER] > answered_at[oc.BEFORE], 1), else_=0))
             .where(c.rank == 1).group_by(c.user_id, c.module_slug))
    with collector_paused():
        return [oc.Picked(u, s, b, bool(asked_b), a, bool(asked_a), bool(later))
                for u, s, b, asked_b, a, asked_a, later in db.session.connection().execute(query).all()]


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
    return [(v, u, j) for v, u, j in db.session.connection().execute(query).all()]


@dataclass(frozen=True)
class _Passes:
    """Each current member's latest pass per module: distinct facts once, each person's as indexes into them."""

    facts: list[status.PassFacts]
    by_user: dict[int, dict[str, int]]  # user → slug → index into facts


def _latest_passes(area: str | None) -> _Passes:
    """Each current member's newest pass of each module (revoked or not), from the learner summary.

    About 100,000 rows at full scale: fetched at once, and equal facts share one object (the
    status rule then runs once per distinct fact, not per person).
    """
    members = select(Membership.user_id).where(Membership.left_at.is_(None))
    if area is not None:
        members = members.join(Venue, Venue.id == Membership.venue_id).where(Venue.area == area)
    s = LearnerModuleSummary
    query = (select(s.user_id, s.module_slug, s.latest_version, s.latest_passed_on, s.latest_expires_on,
                    s.latest_revoked)
             .where(s.latest_completion_id.is_not(None), s.user_id.in_(members)))
    index: dict[tuple[Any, ...], int] = {}
    facts: list[status.PassFacts] = []
    by_user: dict[int, dict[str, int]] = {}
    for user_id, slug, version, passed_on, expires_on, revoked in db.session.connection().execute(query).all():
        key = (version, passed_on, expires_on, revoked)
        found = index.get(key)
        if found is None:
            found = index[key] = len(facts)
            facts.append(status.PassFacts(str(version), _as_date(passed_on), _as_date(expires_on), bool(revoked)))
        mine = by_user.get(user_id)
        if mine is None:
            mine = by_user[user_id] = {}
        mine[slug] = found
    return _Passes(facts, by_user)


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

class _Rule:
    """One required module under one refresher period: `status.standing()` once per distinct pass.

    The venue named in a refresher does not change whether a pass is in date, so venues with
    the same period share a rule (and its answers) for the length of one call.
    """

    def __init__(self, module: Module, refreshers: tuple[status.Refresher, ...], facts: list[status.PassFacts],
                 today: date) -> None:
        self.slug = module.slug
        self.major = module.major_version
        self.refreshers = refreshers
        self.facts = facts
        self.today = today
        self.answers: dict[int, bool] = {}  # index into facts → in date

    def in_date(self, fact: int) -> bool:
        found = self.answers.get(fact)
        if found is None:
            found = self.answers[fact] = status.standing(self.major, self.facts[fact], True, self.today,
                                                         self.refreshers).in_date
        return found


def _coverage(modules: tuple[Module, ...], venues: list[Venue], members: list[tuple[int, int, datetime]],
              passes: _Passes, today: date,
              ) -> tuple[tuple[VenueCoverage, ...], dict[int, bool], dict[str, tuple[int, int]]]:
    """Per venue: staff, in date on every required module, past the starter deadline.

    A person at two venues counts once among `people`, and as in date only if in date at
    every venue they work at (each venue's own policy). Never passed: not in date, whatever
    the rule's other inputs.
    """
    policies = {v.id: policy_of(v) for v in venues}
    shared: dict[tuple[str, tuple[int, ...]], _Rule] = {}
    required: dict[int, list[_Rule]] = {}
    for venue_id, policy in policies.items():
        rules = required[venue_id] = []
        for module in policy.required(modules):
            refreshers = policy.refreshers_for(module.slug)
            key = (module.slug, tuple(r.months for r in refreshers))
            if key not in shared:
                shared[key] = _Rule(module, refreshers, passes.facts, today)
            rules.append(shared[key])
    deadlines = {v.id: policies[v.id].starter_deadline_days for v in venues}
    tally: dict[int, list[int]] = {v.id: [0, 0, 0] for v in venues}
    people: dict[int, bool] = {}
    by_area: dict[str, dict[int, bool]] = {}
    area_of = {v.id: v.area for v in venues}
    nothing: dict[str, int] = {}
    for venue_id, user_id, joined_at in members:
        counts = tally.get(venue_id)
        if counts is None:
            continue
        mine = passes.by_user.get(user_id, nothing)
        fully = True
        for rule in required[venue_id]:
            fact = mine.get(rule.slug)
            if fact is None or not rule.in_date(fact):
                fully = False
                break
        counts[0] += 1
        counts[1] += fully
        if not fully and (days := deadlines[venue_id]) is not None:
            counts[2] += status.past_starter_deadline(site_date(_aware(joined_at)), days, fully, today)
        people[user_id] = people.get(user_id, True) and fully
        if (area := area_of[venue_id]) is not None:
            in_area = by_area.setdefault(area, {})
            in_area[user_id] = in_area.get(user_id, True) and fully
    rows = tuple(VenueCoverage(v.id, v.name, v.area, *tally[v.id]) for v in venues)
    areas = {a: (len(p), sum(p.values())) for a, p in sorted(by_area.items())}
    return rows, people, areas
