"""Per-question summaries of graded attempts: kept up to date on grading, rebuilt on demand.

Trainers' figures ("which questions do people miss?") would otherwise parse every attempt's
JSON on each page view. Instead, grading adds its counts here in the same transaction, with
one upsert per table that adds to the stored counts in the database (``drawn = drawn + n``),
so two gradings at once never lose a count. ``rebuild()`` recomputes the same rows from the
attempts (for data graded before this table existed, or after a fix); both paths count
through ``tally()``, so they agree by construction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from training_portal.extensions import db, dialect_insert
from training_portal.learning.models import Attempt, QuestionChoiceStat, QuestionStat

#: (module_slug, content_hash, question_id)
QuestionKey = tuple[str, str, str]
#: (module_slug, content_hash, question_id, choice_id)
ChoiceKey = tuple[str, str, str, str]


@dataclass
class Tally:
    """Counts to add: answers and right answers per question, wrong-answer picks per choice."""

    drawn: Counter[QuestionKey] = field(default_factory=Counter)
    correct: Counter[QuestionKey] = field(default_factory=Counter)
    picked_in_wrong: Counter[ChoiceKey] = field(default_factory=Counter)
    versions: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, slug: str, version: str, content_hash: str,
            answers: Mapping[str, list[str]], results: Mapping[str, bool]) -> None:
        """Count one graded attempt (its results say which questions were drawn and how they went)."""
        self.versions.setdefault((slug, content_hash), version)
        for question_id, right in results.items():
            key = (slug, content_hash, question_id)
            self.drawn[key] += 1
            if right:
                self.correct[key] += 1
                continue
            for choice_id in answers.get(question_id, ()):
                self.picked_in_wrong[(*key, choice_id)] += 1


def record_graded(attempt: Attempt) -> None:
    """Add one freshly graded attempt's counts; call once, in the grading transaction."""
    if not attempt.results:
        return
    tally = Tally()
    tally.add(attempt.module_slug, attempt.module_version, attempt.content_hash,
              attempt.answers or {}, attempt.results)
    _upsert(tally)


def rebuild(batch_size: int = 2000) -> int:
    """Replace the summaries with counts recomputed from every graded attempt; returns attempts read."""
    db.session.execute(delete(QuestionChoiceStat))
    db.session.execute(delete(QuestionStat))
    tally, count = Tally(), 0
    rows = db.session.execute(
        select(Attempt.module_slug, Attempt.module_version, Attempt.content_hash,
               Attempt.answers, Attempt.results)
        .where(Attempt.graded_at.is_not(None), Attempt.results.is_not(None))
        .order_by(Attempt.id).execution_options(yield_per=batch_size))
    for slug, version, content_hash, answers, results in rows:
        tally.add(slug, version, content_hash, answers or {}, results or {})
        count += 1
    _upsert(tally)
    return count


def _upsert(tally: Tally) -> None:
    """Insert-or-add, rows sorted by key so concurrent gradings lock rows in the same order."""
    question_rows = [
        {"module_slug": s, "content_hash": h, "question_id": q,
         "module_version": tally.versions[(s, h)], "drawn": n, "correct": tally.correct[(s, h, q)]}
        for (s, h, q), n in sorted(tally.drawn.items())]
    choice_rows = [
        {"module_slug": s, "content_hash": h, "question_id": q, "choice_id": c, "picked_in_wrong": n}
        for (s, h, q, c), n in sorted(tally.picked_in_wrong.items())]
    for table, rows, keys, counts in (
            (QuestionStat.__table__, question_rows, ("module_slug", "content_hash", "question_id"),
             ("drawn", "correct")),
            (QuestionChoiceStat.__table__, choice_rows,
             ("module_slug", "content_hash", "question_id", "choice_id"), ("picked_in_wrong",))):
        for chunk in _chunks(rows, 500):
            statement = dialect_insert(table).values(chunk)
            db.session.execute(statement.on_conflict_do_update(
                index_elements=list(keys),
                set_={name: table.c[name] + statement.excluded[name] for name in counts}))


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]
