"""Pure quiz logic: draw questions for an attempt, grade answers, score. No Flask, no database."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from training_portal.quizzes.bank import QUESTION_KINDS, Choice, Question, QuestionKind, QuizBank


@dataclass(frozen=True)
class DrawnQuestion:
    """One question of an attempt and the order its choices are shown in; store these with the attempt."""

    question_id: str
    choice_ids: tuple[str, ...]


def draw(bank: QuizBank, rng: random.Random, avoid: frozenset[str] = frozenset()) -> list[DrawnQuestion]:
    """`questions_per_attempt` questions at random; choices shuffled if the bank says so (never true/false).

    Questions whose ids are in `avoid` (the last attempt's) are drawn only when the bank has too few others,
    so a retry asks other questions where the bank allows.
    """
    fresh = [q for q in bank.questions if q.id not in avoid]
    wanted = bank.questions_per_attempt
    if len(fresh) >= wanted:
        chosen = rng.sample(fresh, wanted)
    else:
        seen = [q for q in bank.questions if q.id in avoid]
        chosen = fresh + rng.sample(seen, wanted - len(fresh))
        rng.shuffle(chosen)
    drawn = []
    for question in chosen:
        ids = [c.id for c in question.choices]
        if bank.shuffle_choices and question.kind != "true_false":
            rng.shuffle(ids)
        drawn.append(DrawnQuestion(question.id, tuple(ids)))
    return drawn


def snapshot(question: Question, shown: DrawnQuestion) -> dict[str, Any]:
    """What an attempt stores for one drawn question: the order shown, and everything grading
    and the result page need, so a later edit of the bank changes nothing for this attempt."""
    return {
        "question": question.id, "choices": list(shown.choice_ids), "kind": question.kind,
        "text": question.text, "scenario": question.scenario, "explanation": question.explanation,
        "page": question.page,
        "options": [{"id": c.id, "text": c.text, "correct": c.is_correct, "feedback": c.feedback}
                    for c in question.choices],
    }


def from_snapshot(item: dict[str, Any]) -> Question | None:
    """The question as it was drawn, or None for an attempt stored before snapshots."""
    if "options" not in item or item.get("kind") not in QUESTION_KINDS:
        return None
    return Question(
        id=item["question"], kind=item["kind"], text=item["text"], scenario=item.get("scenario"),
        choices=tuple(Choice(o["id"], o["text"], bool(o["correct"]), o.get("feedback"))
                      for o in item["options"]),
        explanation=item.get("explanation") or "", page=item.get("page"))


def _exactly_the_correct_one(question: Question, chosen_ids: frozenset[str]) -> bool:
    return len(chosen_ids) == 1 and chosen_ids == question.correct_ids


def _all_correct_and_no_wrong(question: Question, chosen_ids: frozenset[str]) -> bool:
    return bool(chosen_ids) and chosen_ids == question.correct_ids


GRADERS: dict[QuestionKind, Callable[[Question, frozenset[str]], bool]] = {
    "single": _exactly_the_correct_one,
    "scenario": _exactly_the_correct_one,
    "true_false": _exactly_the_correct_one,
    "multiple": _all_correct_and_no_wrong,
}


def grade_question(question: Question, chosen_ids: frozenset[str]) -> bool:
    """True when the answer is right; there is no partial credit."""
    return GRADERS[question.kind](question, frozenset(chosen_ids))


def score_percent(n_right: int, n_total: int) -> int:
    """Whole percent, rounded down, so a score shown as 80 % really is at least 80 %."""
    if n_total < 1:
        raise ValueError("an attempt has at least one question")
    return n_right * 100 // n_total


def is_pass(n_right: int, n_total: int, pass_mark: int) -> bool:
    """Compared exactly (no rounding): 7 of 9 is 77.8 %, which fails a pass mark of 78."""
    if n_total < 1:
        raise ValueError("an attempt has at least one question")
    return n_right * 100 >= pass_mark * n_total
