"""Immutable quiz objects, built once from quiz.yaml by quizzes/loader.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

QuestionKind = Literal["single", "multiple", "true_false", "scenario"]
QUESTION_KINDS: tuple[QuestionKind, ...] = ("single", "multiple", "true_false", "scenario")


@dataclass(frozen=True)
class Choice:
    id: str  # "a", "b", … in file order; "true" / "false" for true_false
    text: str
    is_correct: bool
    feedback: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    kind: QuestionKind
    text: str
    scenario: str | None
    choices: tuple[Choice, ...]
    explanation: str
    page: str | None = None  # the title of the lesson page that teaches it (quiz.yaml's page:)
    page_line: int = field(default=0, compare=False)  # quiz.yaml line of page:, for the module loader's check

    @cached_property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.choices if c.is_correct)

    def __hash__(self) -> int:
        """Worked out once: a question is a key of the quiz page's kept parts on every view."""
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash((self.id, self.kind, self.text, self.scenario, self.choices, self.explanation,
                     self.page))

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class QuizBank:
    pass_mark: int  # percent, 1–100
    questions_per_attempt: int
    shuffle_choices: bool
    questions: tuple[Question, ...]

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def question(self, question_id: str) -> Question | None:
        return self.by_id.get(question_id)
