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
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from training_portal import reads
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.learning import completions, learner_summary, question_stats, reading
from training_portal.learning.models import Attempt
from training_portal.modules.content import Module
from training_portal.quizzes.bank import Question
from training_portal.quizzes.grading import draw as draw_questions
from training_portal.quizzes.grading import from_snapshot, grade_question, is_pass, score_percent, snapshot
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
    unread_pages: tuple[int, ...] = ()


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


def has_snapshot(attempt: Attempt) -> bool:
    """True when the attempt stored its questions and answers when drawn (issue 9, item 2)."""
    return attempt.pass_mark is not None and all(
        from_snapshot(item) is not None for item in attempt.drawn)


def can_resume(attempt: Attempt, module: Module) -> bool:
    """Whether an open attempt can still be finished.

    An attempt that kept its questions is graded against them, so a trainer's edit (a typo, a
    corrected answer) does not stop it; a new major version does (its pass would be out of
    date at once), and then the attempt is abandoned and a fresh one drawn. An attempt from
    before snapshots can be graded only against the same content.
    """
    if attempt.content_hash == module.content_hash:
        return True
    return has_snapshot(attempt) and _major(attempt.module_version) == module.major_version


def _major(version: str) -> int | None:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


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
    unread = () if module.test_out else reading.unread_pages(user_id, module)
    if unread:
        return QuizGate(False, _l("Read every page of the lesson first, then take the quiz."), unread_pages=unread)
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
    last = last_graded_attempt(user_id, module.slug)  # a retry asks other questions where the bank allows
    avoid = frozenset(item["question"] for item in last.drawn) if last is not None and not last.passed else frozenset()
    drawn = draw_questions(module.quiz, rng or random.SystemRandom(), avoid)
    attempt = Attempt(
        public_id=secrets.token_urlsafe(16), user_id=user_id, module_slug=module.slug,
        module_version=module.version, content_hash=module.content_hash,
        pass_mark=module.quiz.pass_mark,
        drawn=[snapshot(module.quiz.by_id[d.question_id], d) for d in drawn])
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


class AttemptToShow(NamedTuple):
    """What the quiz page shows of an attempt, read without building an ORM object."""

    id: int
    module_slug: str
    content_hash: str
    shown: list[list[Any]] | None  # [[question id, [choice ids in the order shown]], ...]
    graded_at: datetime | None
    abandoned_at: datetime | None


_ATTEMPTS = Attempt.__table__.c
#: Built once, on the table's columns (a Core statement: the ORM's per-statement work was a
#: quarter of the page's attempt load); making it per request costs about as much as running it.
_TO_SHOW = select(*(_ATTEMPTS[name] for name in AttemptToShow._fields)).where(
    _ATTEMPTS.public_id == bindparam("public_id"), _ATTEMPTS.user_id == bindparam("user_id"))
_SNAPSHOT = select(_ATTEMPTS.drawn).where(_ATTEMPTS.id == bindparam("attempt_id"))


def find_own_attempt_to_show(user_id: int, public_id: str) -> AttemptToShow | None:
    """The person's own attempt as the quiz page needs it, in one statement (None: not theirs,
    or no such attempt). Submitting loads the attempt itself (find_own_attempt).

    Read in autocommit (``reads``): committed rows, as a READ COMMITTED transaction would see
    them, without a transaction's BEGIN and ROLLBACK (docs/benchmarks.md, "Quiz page")."""
    if not is_urlsafe_id(public_id):
        return None  # not the shape of an id: no query
    row = reads.one_row(_TO_SHOW, {"public_id": public_id, "user_id": user_id})
    return None if row is None else AttemptToShow._make(row)


def questions_to_show(attempt: AttemptToShow, module: Module) -> list[tuple[Question, list[str]]]:
    """(question, choice ids in the order shown) for the quiz page.

    While the module's files are those the attempt was drawn from (equal content hash), its
    snapshot was taken of the bank's own questions, so those objects (built once, at load) are
    used with the order the attempt keeps. After an edit (or for a row without that order) the
    snapshot is read, one more statement, and the questions are shown as drawn."""
    bank = module.quiz
    if bank is not None and attempt.shown is not None and attempt.content_hash == module.content_hash:
        rows = [(question, list(choices)) for question_id, choices in attempt.shown
                if (question := bank.question(question_id)) is not None]
        if len(rows) == len(attempt.shown):
            return rows
    snapshot = reads.one_row(_SNAPSHOT, {"attempt_id": attempt.id})
    return [] if snapshot is None else _as_drawn(snapshot.drawn, module)


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
    passed = is_pass(right, len(results), pass_mark_of(attempt, module))
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
    learner_summary.refresh(attempt.user_id, attempt.module_slug)  # after the pass: it is the latest
    return graded_now


def pass_mark_of(attempt: Attempt, module: Module) -> int:
    """The pass mark the attempt started with (the bank's today for attempts from before)."""
    if attempt.pass_mark is not None:
        return attempt.pass_mark
    if module.quiz is None:
        raise QuizError(_l("This module no longer has a quiz."))
    return module.quiz.pass_mark


def drawn_questions(attempt: Attempt, module: Module) -> list[tuple[Question, list[str]]]:
    """(question as drawn, choice ids in the order shown) for each drawn question.

    From the attempt's own snapshot; attempts from before snapshots fall back to the live bank
    (a question no longer there is left out).
    """
    return _as_drawn(attempt.drawn, module)


def _as_drawn(drawn: list[dict[str, Any]], module: Module) -> list[tuple[Question, list[str]]]:
    rows = []
    for item in drawn:
        question = from_snapshot(item)
        if question is None and module.quiz is not None:
            question = module.quiz.question(item["question"])
        if question is not None:
            rows.append((question, list(item["choices"])))
    return rows


def _grade(attempt: Attempt, module: Module, answers: dict[str, list[str]]) -> dict[str, bool]:
    """Against the questions and correct answers the attempt was drawn from, never the bank
    as edited since; only attempts from before snapshots read the live bank."""
    results = {}
    for item in attempt.drawn:
        question = from_snapshot(item)
        if question is None:
            question = module.quiz.question(item["question"]) if module.quiz else None
            if question is None or not set(item["choices"]) <= {c.id for c in question.choices}:
                raise QuizError(_l("This quiz was updated while you were taking it. "
                                "Start again to get the new questions."))
        results[question.id] = grade_question(question, frozenset(answers[question.id]))
    return results
