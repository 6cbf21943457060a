"""Learner records: pages read, quiz attempts, confidence ratings and passes (completions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training_portal.db import UTCDateTime, utcnow
from training_portal.extensions import db

if TYPE_CHECKING:
    from sqlalchemy.engine.default import DefaultExecutionContext

    from training_portal.accounts.models import User


def shown_of(drawn: list[dict[str, Any]]) -> list[list[Any]]:
    """[[question id, [choice ids in the order shown]], ...] of an attempt's snapshot."""
    return [[item["question"], list(item["choices"])] for item in drawn]


def _shown_of_inserted(context: DefaultExecutionContext) -> list[list[Any]]:
    return shown_of(context.get_current_parameters()["drawn"])


class Attempt(db.Model):  # type: ignore[name-defined,misc]
    """One try at a module's quiz. Every attempt is kept, passed or failed."""

    __tablename__ = "attempts"
    __table_args__ = (CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)",
                                      name="score_range"),
                      # The partnership's figures number each person's attempts at a module in order.
                      Index("ix_attempts_user_module_started", "user_id", "module_slug", "started_at"),
                      # One open attempt per person and module, whatever races: parallel "start"
                      # requests cannot open a second one (and so cannot skip the retry pause).
                      Index("uq_attempts_open", "user_id", "module_slug", unique=True,
                            sqlite_where=text("graded_at IS NULL AND abandoned_at IS NULL"),
                            postgresql_where=text("graded_at IS NULL AND abandoned_at IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unguessable id used in addresses, so attempt numbers reveal nothing.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80), index=True)
    module_version: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    #: [{"question": id, "choices": [choice ids in the order shown], "kind", "text", "scenario",
    #: "explanation", "options": [{"id", "text", "correct", "feedback"} in file order]}, ...]:
    #: the questions as drawn, so grading and the result page never read a bank edited since
    #: (quizzes.grading.snapshot). Attempts from before snapshots hold question and choices only.
    drawn: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: The same draw as ``shown_of(drawn)`` gives, made on insert: what the quiz page reads on
    #: every view, a few hundred bytes where the snapshot is several kilobytes to decode
    #: (None only for a row written without it; the page then reads the snapshot).
    shown: Mapped[list[list[Any]] | None] = mapped_column(JSON, default=_shown_of_inserted)
    #: The quiz's pass mark when the attempt started (None for attempts from before).
    pass_mark: Mapped[int | None] = mapped_column(Integer)
    #: {question id: [chosen choice ids]} once submitted.
    answers: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    #: {question id: true/false} once graded.
    results: Mapped[dict[str, bool] | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None]
    #: Set when an open attempt can no longer be finished (its module changed major version, or
    #: it was drawn before attempts kept their questions and the bank changed); never graded.
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConfidenceRating(db.Model):  # type: ignore[name-defined,misc]
    """'How confident are you…' before a module and after passing it; None means skipped."""

    __tablename__ = "confidence_ratings"
    __table_args__ = (
        CheckConstraint("stage IN ('before', 'after')", name="stage_known"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80), index=True)
    module_version: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(10))
    rating: Mapped[int | None] = mapped_column(Integer)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PageView(db.Model):  # type: ignore[name-defined,misc]
    """A lesson page this person has read (first time only), so 'continue' can resume."""

    __tablename__ = "page_views"
    __table_args__ = (UniqueConstraint("user_id", "module_slug", "page_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80))
    #: 1-based, as in the address /modules/<slug>/<page_number>.
    page_number: Mapped[int] = mapped_column(Integer)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Completion(db.Model):  # type: ignore[name-defined,misc]
    """A passed module, recorded once per passing attempt (the unique attempt_id enforces it)."""

    __tablename__ = "completions"
    __table_args__ = (
        # Everyone's latest pass per module (partnership overview), and a period's passes.
        Index("ix_completions_user_module_passed", "user_id", "module_slug", "passed_at"),
        Index("ix_completions_passed_at", "passed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"),
                                            unique=True)
    module_slug: Mapped[str] = mapped_column(String(80), index=True)
    module_title: Mapped[str] = mapped_column(String(200))
    module_version: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    passed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Passed date plus the module's refresher period (valid_for_months).
    expires_on: Mapped[date] = mapped_column(Date)
    #: Set when the partnership revokes the pass's certificate: the pass then counts for nothing.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship()


class QuestionStat(db.Model):  # type: ignore[name-defined,misc]
    """How often a question was answered, and answered right, per content version.

    A summary of graded attempts kept up to date on grading (learning/question_stats.py), so
    trainers' figures never parse every attempt; `flask reports rebuild-question-stats`
    recomputes it from the attempts.
    """

    __tablename__ = "question_stats"

    module_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    module_version: Mapped[str] = mapped_column(String(20))
    #: Graded attempts in which this question was drawn (and so answered).
    drawn: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)


class QuestionChoiceStat(db.Model):  # type: ignore[name-defined,misc]
    """How often a choice was ticked in an answer graded wrong, per content version."""

    __tablename__ = "question_choice_stats"

    module_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    choice_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    picked_in_wrong: Mapped[int] = mapped_column(Integer, default=0)


class LearnerModuleSummary(db.Model):  # type: ignore[name-defined,misc]
    """One person's figures for one module, kept in step with their attempts and passes.

    Written by `learning.learner_summary.refresh()` in the grading transaction (and on revocation),
    recomputed from that person's attempts and passes at the module, so it always equals what
    `flask reports refresh` computes from the raw rows. The partnership's figures read it instead
    of numbering 400,000 attempts and ranking 150,000 passes on every view.
    """

    __tablename__ = "learner_module_summary"
    __table_args__ = (
        # A period's first attempts and first passes (partnership overview).
        Index("ix_learner_module_summary_first_attempt_at", "first_attempt_at"),
        Index("ix_learner_module_summary_first_pass_at", "first_pass_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    module_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: Graded attempts (passed or failed); ungraded ones never count.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The earliest graded attempt (by start, then id): when it started and whether it passed.
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_attempt_passed: Mapped[bool | None]
    #: The first passing attempt: when it started, and its number among the graded attempts
    #: (1 = passed first time), so attempts_to_pass - 1 failures came before it.
    first_pass_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts_to_pass: Mapped[int | None] = mapped_column(Integer)
    #: The latest pass (by passed_at, then id), revoked or not: what the status rule is given.
    latest_completion_id: Mapped[int | None] = mapped_column(Integer)
    latest_version: Mapped[str | None] = mapped_column(String(20))
    latest_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latest_passed_on: Mapped[date | None] = mapped_column(Date)  # in the site's time zone
    latest_expires_on: Mapped[date | None] = mapped_column(Date)
    latest_revoked: Mapped[bool | None]
