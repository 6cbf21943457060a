"""Where a person stands with each module, for My training: one statement for the whole list.

My training is where staff land, so it is read far more often than anything changes. The
statement is built once (module level, a bound ``user_id``) and runs as plain Core: pages
read, modules attempted and the latest pass per module (ranked in the database) come back
together as a few small rows, never as ORM objects (issue 11: at most a few times the CPU
of a minimal app serving the same page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, cast, func, literal, null, select, union_all

from training_portal.extensions import db
from training_portal.learning import status
from training_portal.learning.models import Attempt, Completion, PageView
from training_portal.learning.reading import resume_page
from training_portal.modules.content import Module
from training_portal.timeutil import site_date

READ, TRIED, PASSED = "read", "tried", "passed"


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


def _statement():  # type: ignore[no-untyped-def]
    user = bindparam("user_id")
    ranked = select(
        Completion.id, Completion.module_slug, Completion.module_version, Completion.passed_at,
        Completion.expires_on, Completion.revoked_at,
        func.row_number().over(partition_by=Completion.module_slug,
                               order_by=(Completion.passed_at.desc(), Completion.id.desc()))
        .label("rank"),
    ).where(Completion.user_id == user).subquery()
    # Every NULL is typed: PostgreSQL matches a UNION's columns by type, branch by branch.
    c = Completion.__table__.c
    no_page, no_id = cast(null(), PageView.__table__.c.page_number.type), cast(null(), c.id.type)
    no_pass = (cast(null(), c.module_version.type), cast(null(), c.passed_at.type),
               cast(null(), c.expires_on.type), cast(null(), c.revoked_at.type))
    latest = select(literal(PASSED).label("kind"), ranked.c.module_slug, no_page.label("page"),
                    ranked.c.id, ranked.c.module_version, ranked.c.passed_at, ranked.c.expires_on,
                    ranked.c.revoked_at).where(ranked.c.rank == 1)
    read = select(literal(READ), PageView.module_slug, PageView.page_number, no_id,
                  *no_pass).where(PageView.user_id == user)
    tried = select(literal(TRIED), Attempt.module_slug, no_page, no_id,
                   *no_pass).where(Attempt.user_id == user).distinct()
    return union_all(latest, read, tried)


_MY_TRAINING = _statement()


@dataclass
class _Facts:
    read: dict[str, set[int]]
    tried: set[str]
    latest: dict[str, LatestPass]


def _facts(user_id: int) -> _Facts:
    facts = _Facts({}, set(), {})
    rows = db.session.connection().execute(_MY_TRAINING, {"user_id": user_id})
    for kind, slug, page, completion_id, version, passed_at, expires_on, revoked_at in rows:
        if kind == READ:
            facts.read.setdefault(slug, set()).add(page)
        elif kind == TRIED:
            facts.tried.add(slug)
        else:
            facts.latest[slug] = LatestPass(completion_id, version, passed_at, expires_on,
                                             revoked_at)
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
    refreshers = refreshers or {}
    facts = _facts(user_id)
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
