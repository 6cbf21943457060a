"""Where a person stands with each module, for My training: three queries for the whole list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from training_portal.extensions import db
from training_portal.learning import status
from training_portal.learning.completions import is_current, latest_completions, pass_facts
from training_portal.learning.models import Attempt, Completion
from training_portal.learning.reading import pages_read, resume_page
from training_portal.modules.content import Module


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    standing: status.Standing
    pages_read: frozenset[int]
    completion: Completion | None
    resume_page: int  # first unread page, or 1
    do_first: tuple[Module, ...] = ()  # prerequisites not yet passed (their quiz is locked)

    @property
    def state(self) -> str:
        return self.standing.state

    @property
    def has_read_every_page(self) -> bool:
        return len(self.pages_read) >= len(self.module.pages)


def _slugs_with_attempts(user_id: int) -> set[str]:
    return set(db.session.scalars(
        select(Attempt.module_slug).where(Attempt.user_id == user_id).distinct()))


def training_progress(user_id: int, modules: tuple[Module, ...], today: date,
                      refreshers: Mapping[str, tuple[status.Refresher, ...]] | None = None,
                      ) -> list[ModuleProgress]:
    """``refreshers`` by module slug: the venue rules that apply to this person (see venue_policy)."""
    refreshers = refreshers or {}
    read = pages_read(user_id)
    latest = latest_completions(user_id)
    attempted = _slugs_with_attempts(user_id)
    by_slug = {m.slug: m for m in modules}
    rows = []
    for module in modules:
        seen = frozenset(read.get(module.slug, set()))
        completion = latest.get(module.slug)
        standing = status.standing(
            module.major_version, pass_facts(completion) if completion else None,
            bool(seen) or module.slug in attempted, today, refreshers.get(module.slug, ()))
        do_first = tuple(by_slug[slug] for slug in module.prerequisites if slug in by_slug
                         and not is_current(latest.get(slug), by_slug[slug], today))
        rows.append(ModuleProgress(module, standing, seen, completion,
                                   resume_page(module, seen), do_first))
    return rows

