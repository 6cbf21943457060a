"""Pages read: the first reading of each lesson page, so "continue" can resume."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from training_portal.extensions import db
from training_portal.learning.models import PageView
from training_portal.modules.content import Module


def pages_read(user_id: int, slugs: list[str] | None = None) -> dict[str, set[int]]:
    query = select(PageView.module_slug, PageView.page_number).where(PageView.user_id == user_id)
    if slugs is not None:
        query = query.where(PageView.module_slug.in_(slugs))
    read: dict[str, set[int]] = {}
    for slug, number in db.session.execute(query):
        read.setdefault(slug, set()).add(number)
    return read


def unread_pages(user_id: int, module: Module) -> tuple[int, ...]:
    """The numbers of the module's pages this person has never opened, in order."""
    seen = pages_read(user_id, [module.slug]).get(module.slug, set())
    return tuple(n for n in range(1, len(module.pages) + 1) if n not in seen)


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
