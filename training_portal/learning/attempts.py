"""Quiz rules: start an attempt (server-side draw), submit it (graded once), retry pause.

The browser only ever sees question and choice ids of its own draw; grading and completion
are decided here, in the caller's transaction (the certificate layer issues the certificate in
that same transaction).
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.learning import completions, question_stats
from training_portal.learning.models import Attempt
from training_portal.modules.content import Module
from training_portal.quizzes.grading import draw as draw_questions
from training_portal.quizzes.grading import grade_question, is_pass, score_percent
from training_portal.urls import is_urlsafe_id


class QuizError(ValueError):
    """The request cannot be carried out; the message is safe to show."""


class AnswersIncomplete(QuizError):
    """Some drawn questions have no answer; nothing was recorded."""

    def __init__(self, unanswered: list[str]):
        super().__init__(_l("Answer every question before you submit."))
        self.unanswered = unanswered


@dataclass(frozen=True)
class QuizGate:
    """Whether this person may start the quiz now, and if not, why."""

    allowed: bool
    reason: str = ""
    wait_seconds: int = 0
    missing_prerequisites: tuple[str, ...] = ()


def missing_prerequisites(user_id: int, module: Module, modules: Mapping[str, Module],
                          today: date) -> tuple[str, ...]:
    passed = completions.latest_completions(user_id, module.prerequisites)
    return tuple(slug for slug in module.prerequisites
                 if slug in modules and not completions.is_current(passed.get(slug),
                                                                   modules[slug], today))


def last_graded_attempt(user_id: int, slug: str) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(Attempt.user_id == user_id, Attempt.module_slug == slug,
                              Attempt.graded_at.is_not(None))
        .order_by(Attempt.graded_at.desc()).limit(1))


def open_attempt(user_id: int, module: Module) -> Attempt | None:
    """The person's open attempt at this module, if they can carry on with it.

    Resuming stops redrawing for easy questions. There is at most one open attempt per person
    and module (the partial unique index ``uq_attempts_open``).
    """
    attempt = _open_attempt(user_id, module.slug)
    return attempt if attempt is not None and can_resume(attempt, module) else None


def _open_attempt(user_id: int, slug: str) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(Attempt.user_id == user_id, Attempt.module_slug == slug,
                              Attempt.graded_at.is_(None), Attempt.abandoned_at.is_(None)))


def can_resume(attempt: Attempt, module: Module) -> bool:
    """An open attempt can be finished while it was drawn from the module's current content."""
    return attempt.content_hash == module.content_hash


def abandon(attempt: Attempt) -> None:
    """Close an open attempt that can no longer be finished; it is kept, never graded."""
    db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.graded_at.is_(None))
        .values(abandoned_at=utcnow()).execution_options(synchronize_session=False))
    db.session.refresh(attempt)


def quiz_gate(user_id: int, module: Module, modules: Mapping[str, Module], today: date,
              pause_seconds: int) -> QuizGate:
    if not module.is_published or module.quiz is None:
        return QuizGate(False, _l("This module has no quiz you can take."))
    missing = missing_prerequisites(user_id, module, modules, today)
    if missing:
        return QuizGate(False, _l("Finish the modules this one builds on first."),
                        missing_prerequisites=missing)
    last = last_graded_attempt(user_id, module.slug)
    if last is not None and not last.passed and last.graded_at is not None:
        ready_at = last.graded_at + timedelta(seconds=pause_seconds)
        now = utcnow()
        if ready_at > now:
            return QuizGate(False, _l("Take a short break, read the lesson again, then try again."),
                            wait_seconds=math.ceil((ready_at - now).total_seconds()))
    return QuizGate(True)


def start_attempt(user_id: int, module: Module, modules: Mapping[str, Module], today: date,
                  pause_seconds: int, rng: random.Random | None = None) -> Attempt:
    existing = _open_attempt(user_id, module.slug)
    if existing is not None:
        if can_resume(existing, module):
            return existing
        abandon(existing)
    gate = quiz_gate(user_id, module, modules, today, pause_seconds)
    if not gate.allowed:
        raise QuizError(gate.reason)
    assert module.quiz is not None
    drawn = draw_questions(module.quiz, rng or random.SystemRandom())
    attempt = Attempt(
        public_id=secrets.token_urlsafe(16), user_id=user_id, module_slug=module.slug,
        module_version=module.version, content_hash=module.content_hash,
        drawn=[{"question": d.question_id, "choices": list(d.choice_ids)} for d in drawn])
    try:
        with db.session.begin_nested():  # a SAVEPOINT: losing the race undoes this insert only
            db.session.add(attempt)
    except IntegrityError:
        # Another request opened an attempt first (uq_attempts_open): carry on with that one.
        winner = _open_attempt(user_id, module.slug)
        if winner is None:
            raise
        return winner
    return attempt


def find_own_attempt(user_id: int, public_id: str) -> Attempt | None:
    if not is_urlsafe_id(public_id):
        return None  # not the shape of an id: no query
    attempt = db.session.scalar(select(Attempt).where(Attempt.public_id == public_id))
    return attempt if attempt is not None and attempt.user_id == user_id else None


def clean_answers(attempt: Attempt, raw: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Keep answers only when every question and choice id belongs to this attempt's draw."""
    drawn = {item["question"]: set(item["choices"]) for item in attempt.drawn}
    answers: dict[str, list[str]] = {}
    for question_id, choice_ids in raw.items():
        if question_id not in drawn:
            raise QuizError(_l("That answer is not for a question in this quiz. "
                            "Reload the quiz and try again."))
        if not set(choice_ids) <= drawn[question_id]:
            raise QuizError(_l("That choice is not part of this question. "
                            "Reload the quiz and try again."))
        if choice_ids:
            answers[question_id] = sorted(set(choice_ids))
    unanswered = [item["question"] for item in attempt.drawn if item["question"] not in answers]
    if unanswered:
        raise AnswersIncomplete(unanswered)
    return answers


def submit_attempt(attempt: Attempt, module: Module, raw_answers: Mapping[str, list[str]],
                   today: date) -> bool:
    """Grade once; True when this call graded it. A repeat (double tap, back button, retried
    request) changes nothing and returns False, so the caller issues and mails nothing twice."""
    if attempt.graded_at is not None:
        return False
    if attempt.abandoned_at is not None:
        raise QuizError(_l("This attempt was closed because the module changed. "
                           "Start the quiz again."))
    answers = clean_answers(attempt, raw_answers)
    results = _grade(attempt, module, answers)
    right = sum(results.values())
    score = score_percent(right, len(results))
    assert module.quiz is not None
    passed = is_pass(right, len(results), module.quiz.pass_mark)
    now = utcnow()
    claimed = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.graded_at.is_(None),
                              Attempt.abandoned_at.is_(None))
        .values(graded_at=now, answers=answers, results=results, score=score, passed=passed)
        .execution_options(synchronize_session=False))
    db.session.refresh(attempt)
    graded_now = claimed.rowcount == 1  # type: ignore[attr-defined]
    if not graded_now:
        return False  # another request graded it first; it counted the figures too
    question_stats.record_graded(attempt)
    if passed:
        completions.record_pass(attempt, module, now, today)
    return graded_now


def _grade(attempt: Attempt, module: Module, answers: dict[str, list[str]]) -> dict[str, bool]:
    bank = module.quiz
    if bank is None:
        raise QuizError(_l("This module no longer has a quiz."))
    results = {}
    for item in attempt.drawn:
        question = bank.question(item["question"])
        if question is None or not set(item["choices"]) <= {c.id for c in question.choices}:
            raise QuizError(_l("This quiz was updated while you were taking it. "
                            "Start again to get the new questions."))
        results[question.id] = grade_question(question, frozenset(answers[question.id]))
    return results
