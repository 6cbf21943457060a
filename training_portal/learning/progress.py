"""Where a person stands with each module: not started, in progress, passed, due, expired.

Three queries for the whole list, whatever the number of modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from training_portal.completions import services as completions
from training_portal.completions.models import Completion
from training_portal.extensions import db
from training_portal.modules.content import Module
from training_portal.modules.models import PageView
from training_portal.quizzes.models import Attempt

NOT_STARTED, IN_PROGRESS = "not_started", "in_progress"


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    state: str  # not_started | in_progress | passed | due_soon | expired | outdated
    pages_read: frozenset[int]
    completion: Completion | None
    resume_page: int  # first unread page, or 1
    do_first: tuple[Module, ...] = ()  # prerequisites not yet passed (their quiz is locked)

    @property
    def has_read_every_page(self) -> bool:
        return len(self.pages_read) >= len(self.module.pages)


def pages_read(user_id: int, slugs: list[str] | None = None) -> dict[str, set[int]]:
    query = select(PageView.module_slug, PageView.page_number).where(PageView.user_id == user_id)
    if slugs is not None:
        query = query.where(PageView.module_slug.in_(slugs))
    read: dict[str, set[int]] = {}
    for slug, number in db.session.execute(query):
        read.setdefault(slug, set()).add(number)
    return read


def _slugs_with_attempts(user_id: int) -> set[str]:
    return set(db.session.scalars(
        select(Attempt.module_slug).where(Attempt.user_id == user_id).distinct()))


def training_progress(user_id: int, modules: tuple[Module, ...], today: date) -> list[ModuleProgress]:
    read = pages_read(user_id)
    latest = completions.latest_completions(user_id)
    attempted = _slugs_with_attempts(user_id)
    by_slug = {m.slug: m for m in modules}
    rows = []
    for module in modules:
        seen = frozenset(read.get(module.slug, set()))
        completion = latest.get(module.slug)
        if completion is not None:
            state = completions.completion_state(completion, module, today).state
        elif seen or module.slug in attempted:
            state = IN_PROGRESS
        else:
            state = NOT_STARTED
        do_first = tuple(by_slug[slug] for slug in module.prerequisites if slug in by_slug
                         and not completions.is_current(latest.get(slug), by_slug[slug], today))
        rows.append(ModuleProgress(module, state, seen, completion, resume_page(module, seen),
                                   do_first))
    return rows


def resume_page(module: Module, seen: frozenset[int]) -> int:
    return next((n for n in range(1, len(module.pages) + 1) if n not in seen), 1)


def record_page_view(user_id: int, slug: str, page_number: int) -> bool:
    """Remember the first reading of a page; later readings write nothing."""
    exists = db.session.scalar(select(PageView.id).where(
        PageView.user_id == user_id, PageView.module_slug == slug,
        PageView.page_number == page_number))
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():  # a double tap may race us to the same row
            db.session.add(PageView(user_id=user_id, module_slug=slug, page_number=page_number))
    except IntegrityError:
        return False
    return True
