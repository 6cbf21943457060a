"""Completions: a pass is recorded once, with the module's version, content hash and expiry."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from training_portal.certificates.codes import new_code
from training_portal.certificates.models import Certificate
from training_portal.completions.models import Completion
from training_portal.extensions import db
from training_portal.modules.content import Module
from training_portal.quizzes.models import Attempt

#: A refresher counts as "due soon" this many days before the certificate expires.
DUE_SOON_DAYS = 30


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def record_pass(attempt: Attempt, module: Module, passed_at: datetime, today: date) -> Completion:
    """Called in the grading transaction, once; the unique attempt_id makes a repeat fail."""
    completion = Completion(
        user_id=attempt.user_id, attempt_id=attempt.id, module_slug=module.slug,
        module_title=module.title, module_version=module.version,
        content_hash=module.content_hash, score=attempt.score or 0, passed_at=passed_at,
        expires_on=add_months(today, module.valid_for_months))  # today: the site-zone date of passing
    db.session.add(completion)
    db.session.flush()
    db.session.add(Certificate(completion_id=completion.id, code=_unused_code()))
    db.session.flush()
    return completion


def _unused_code() -> str:
    while True:
        code = new_code().replace("-", "")
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def latest_completions(user_id: int, slugs: Iterable[str] | None = None) -> dict[str, Completion]:
    """The most recent pass per module for this person, in one query."""
    query = select(Completion).where(Completion.user_id == user_id).order_by(Completion.passed_at)
    if slugs is not None:
        query = query.where(Completion.module_slug.in_(list(slugs)))
    latest: dict[str, Completion] = {}
    for completion in db.session.scalars(query):
        latest[completion.module_slug] = completion
    return latest


@dataclass(frozen=True)
class CompletionState:
    """How a pass stands today: current, due soon, expired, or out of date by a major version."""

    state: str  # "passed" | "due_soon" | "expired" | "outdated"
    completion: Completion


def completion_state(completion: Completion, module: Module, today: date) -> CompletionState:
    if completion.expires_on < today:
        return CompletionState("expired", completion)
    if int(completion.module_version.split(".")[0]) < module.major_version:
        return CompletionState("outdated", completion)
    if completion.expires_on <= today + timedelta(days=DUE_SOON_DAYS):
        return CompletionState("due_soon", completion)
    return CompletionState("passed", completion)


def is_current(completion: Completion | None, module: Module, today: date) -> bool:
    return completion is not None and completion_state(completion, module, today).state in (
        "passed", "due_soon")
