"""Where a person stands with each module, for My training: one statement for the whole page.

My training is where staff land, so it is read far more often than anything changes. The
statement is built once (module level, a bound ``user_id``) and runs as plain Core: pages
read, modules attempted, the latest pass per module (ranked in the database) and the
person's current venues with their policies come back together as a few small rows, never
as ORM objects (issue 11: at most 2.5 times the CPU of a minimal app serving the same page).
Those rows are also the page's cache key (``MyTrainingFacts``): a kept page is served
without deriving any standing, and a new fact is a new key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Text, bindparam, cast, func, literal, null, select, union_all

from training_portal import reads
from training_portal.learning import status
from training_portal.learning.models import Attempt, Completion, PageView
from training_portal.learning.reading import resume_page
from training_portal.learning.venue_policy import MemberVenue, member_venue, refreshers_by_module
from training_portal.modules.content import Module
from training_portal.timeutil import site_date
from training_portal.venues.models import Membership, Venue

READ, TRIED, PASSED, VENUE = "read", "tried", "passed", "venue"


@dataclass(frozen=True)
class LatestPass:
    """The facts of a person's most recent pass at a module that My training shows."""

    id: int  # the completion's
    module_version: str
    passed_at: datetime
    expires_on: date
    revoked_at: datetime | None


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    standing: status.Standing
    pages_read: frozenset[int]
    completion: LatestPass | None
    resume_page: int  # first unread page, or 1
    do_first: tuple[Module, ...] = ()  # prerequisites not yet passed (their quiz is locked)

    @property
    def state(self) -> str:
        return self.standing.state

    @property
    def has_read_every_page(self) -> bool:
        return len(self.pages_read) >= len(self.module.pages)


_VENUES, _MEMBERSHIPS = Venue.__table__, Membership.__table__


def _statement():  # type: ignore[no-untyped-def]
    """Every fact My training shows, one row each, in a fixed order (so equal facts give equal
    rows). Columns: kind; slug (a venue's name for a venue); page; id (the completion's, or
    the venue's); version (the pass's, or the person's role at the venue); the pass's dates;
    the venue's refresher months, required modules (JSON text) and starter deadline."""
    user = bindparam("user_id")
    ranked = select(
        Completion.id, Completion.module_slug, Completion.module_version, Completion.passed_at,
        Completion.expires_on, Completion.revoked_at,
        func.row_number().over(partition_by=Completion.module_slug,
                               order_by=(Completion.passed_at.desc(), Completion.id.desc()))
        .label("rank"),
    ).where(Completion.user_id == user).subquery()
    # Every NULL is typed: PostgreSQL matches a UNION's columns by type, branch by branch.
    c, v = Completion.__table__.c, _VENUES.c
    no_page, no_id = cast(null(), PageView.__table__.c.page_number.type), cast(null(), c.id.type)
    no_pass = (cast(null(), c.module_version.type), cast(null(), c.passed_at.type),
               cast(null(), c.expires_on.type), cast(null(), c.revoked_at.type))
    no_policy = (cast(null(), v.refresher_months.type), cast(null(), Text()),
                 cast(null(), v.starter_deadline_days.type))
    latest = select(literal(PASSED).label("kind"), ranked.c.module_slug.label("slug"),
                    no_page.label("page"), ranked.c.id.label("id"), ranked.c.module_version,
                    ranked.c.passed_at, ranked.c.expires_on, ranked.c.revoked_at,
                    *no_policy).where(ranked.c.rank == 1)
    read = select(literal(READ), PageView.module_slug, PageView.page_number, no_id,
                  *no_pass, *no_policy).where(PageView.user_id == user)
    tried = select(literal(TRIED), Attempt.module_slug, no_page, no_id,
                   *no_pass, *no_policy).where(Attempt.user_id == user).distinct()
    venues = select(literal(VENUE), v.name, no_page, v.id, _MEMBERSHIPS.c.role, *no_pass[1:],
                    v.refresher_months, cast(v.required_modules, Text()), v.starter_deadline_days,
                    ).join(_MEMBERSHIPS, _MEMBERSHIPS.c.venue_id == v.id).where(
        _MEMBERSHIPS.c.user_id == user, _MEMBERSHIPS.c.left_at.is_(None))
    both = union_all(latest, read, tried, venues)
    return both.order_by(*(both.selected_columns[name] for name in ("kind", "slug", "page", "id")))


_MY_TRAINING = _statement()


@dataclass
class _Facts:
    read: dict[str, set[int]]
    tried: set[str]
    latest: dict[str, LatestPass]
    venues: list[MemberVenue]


@dataclass(frozen=True)
class MyTrainingFacts:
    """Everything My training shows from the database, as the rows of one statement.

    Plain values in a fixed order, so the facts are their own cache key: web/lessons.py keeps
    the rendered page under them, and derives standings (``progress``) only when rendering.
    """

    rows: tuple[tuple[object, ...], ...]

    @cached_property
    def _facts(self) -> _Facts:
        """The rows sorted into facts, once (a render asks for both venues and progress)."""
        return _sorted_facts(self.rows)

    def venues(self) -> list[MemberVenue]:
        return self._facts.venues

    def progress(self, modules: tuple[Module, ...], today: date) -> list[ModuleProgress]:
        refreshers = refreshers_by_module([v.policy for v in self._facts.venues], modules)
        return _progress(self._facts, modules, today, refreshers)


def my_training_facts(user_id: int) -> MyTrainingFacts:
    """One prebuilt statement for the whole page: pages read, modules tried, latest passes and
    the person's current venues with their policies.

    It runs in autocommit (``reads``) rather than in the ORM session: the page only reads
    committed facts, and skipping the session's transaction bookkeeping (begun here, rolled
    back at teardown) was about a tenth of a kept page's CPU, and on PostgreSQL a transaction's
    BEGIN and ROLLBACK as much again (docs/benchmarks.md)."""
    return MyTrainingFacts(reads.all_rows(_MY_TRAINING, {"user_id": user_id}))


def _sorted_facts(rows: Iterable[Sequence[Any]]) -> _Facts:
    facts = _Facts({}, set(), {}, [])
    for (kind, slug, page, row_id, version, passed_at, expires_on, revoked_at,
         refresher_months, required, deadline_days) in rows:
        if kind == READ:
            facts.read.setdefault(slug, set()).add(page)
        elif kind == TRIED:
            facts.tried.add(slug)
        elif kind == PASSED:
            facts.latest[slug] = LatestPass(row_id, version, passed_at, expires_on, revoked_at)
        else:
            facts.venues.append(member_venue(
                row_id, slug, version, refresher_months,
                None if required is None else json.loads(required), deadline_days))
    return facts


def _pass_facts(latest: LatestPass) -> status.PassFacts:
    return status.PassFacts(version=latest.module_version, passed_on=site_date(latest.passed_at),
                            expires_on=latest.expires_on, revoked=latest.revoked_at is not None)


def _in_date(latest: LatestPass | None, module: Module, today: date) -> bool:
    """In date by the module's own rule (prerequisites ignore venue policies)."""
    return latest is not None and status.standing(
        module.major_version, _pass_facts(latest), True, today).in_date


def training_progress(user_id: int, modules: tuple[Module, ...], today: date,
                      refreshers: Mapping[str, tuple[status.Refresher, ...]] | None = None,
                      ) -> list[ModuleProgress]:
    """``refreshers`` by module slug: the venue rules that apply to this person (see venue_policy)."""
    return _progress(_sorted_facts(my_training_facts(user_id).rows), modules, today, refreshers or {})


def _progress(facts: _Facts, modules: tuple[Module, ...], today: date,
              refreshers: Mapping[str, tuple[status.Refresher, ...]]) -> list[ModuleProgress]:
    by_slug = {m.slug: m for m in modules}
    rows = []
    for module in modules:
        seen = frozenset(facts.read.get(module.slug, ()))
        latest = facts.latest.get(module.slug)
        standing = status.standing(
            module.major_version, _pass_facts(latest) if latest else None,
            bool(seen) or module.slug in facts.tried, today, refreshers.get(module.slug, ()))
        do_first = tuple(by_slug[slug] for slug in module.prerequisites if slug in by_slug
                         and not _in_date(facts.latest.get(slug), by_slug[slug], today))
        rows.append(ModuleProgress(module, standing, seen, latest,
                                   resume_page(module, seen), do_first))
    return rows
