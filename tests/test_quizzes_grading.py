"""Pure grading: drawing questions, grading every kind, scoring."""

from __future__ import annotations

import random

import pytest

from training_portal.quizzes.bank import Choice, Question, QuizBank
from training_portal.quizzes.grading import DrawnQuestion, draw, grade_question, is_pass, score_percent


def _question(qid: str, kind: str, correct: str, n: int = 4) -> Question:
    choices: tuple[Choice, ...]
    if kind == "true_false":
        choices = (Choice("true", "True", correct == "true"), Choice("false", "False", correct == "false"))
    else:
        choices = tuple(Choice(letter, f"choice {letter}", letter in correct) for letter in "abcdef"[:n])
    return Question(qid, kind, f"text {qid}", None, choices, "because")  # type: ignore[arg-type]


SINGLE = _question("s", "single", "b")
SCENARIO = _question("sc", "scenario", "a")
TRUE_FALSE = _question("tf", "true_false", "false")
MULTIPLE = _question("m", "multiple", "ac")


@pytest.mark.parametrize(
    ("question", "chosen", "right"),
    [
        (SINGLE, {"b"}, True),
        (SINGLE, {"a"}, False),
        (SINGLE, {"a", "b"}, False),
        (SINGLE, set(), False),
        (SCENARIO, {"a"}, True),
        (SCENARIO, {"a", "c"}, False),
        (TRUE_FALSE, {"false"}, True),
        (TRUE_FALSE, {"true"}, False),
        (TRUE_FALSE, {"true", "false"}, False),
        (MULTIPLE, {"a", "c"}, True),
        (MULTIPLE, {"a"}, False),  # one missing scores zero
        (MULTIPLE, {"a", "b", "c"}, False),  # one wrong scores zero
        (MULTIPLE, {"a", "b", "c", "d"}, False),
        (MULTIPLE, set(), False),
        (SINGLE, {"zz"}, False),  # an id that is not a choice
    ],
)
def test_grade_question_every_kind(question: Question, chosen: set[str], right: bool) -> None:
    assert grade_question(question, frozenset(chosen)) is right


def _bank(per_attempt: int, shuffle: bool = True) -> QuizBank:
    questions = (SINGLE, SCENARIO, TRUE_FALSE, MULTIPLE, _question("s2", "single", "d", 6))
    return QuizBank(pass_mark=80, questions_per_attempt=per_attempt, shuffle_choices=shuffle, questions=questions)


def test_draw_respects_questions_per_attempt_without_repeats() -> None:
    for per_attempt in range(1, 6):
        drawn = draw(_bank(per_attempt), random.Random(per_attempt))
        assert len(drawn) == per_attempt
        assert len({d.question_id for d in drawn}) == per_attempt


def test_draw_is_deterministic_for_a_seeded_rng() -> None:
    assert draw(_bank(3), random.Random(42)) == draw(_bank(3), random.Random(42))


def test_draw_eventually_uses_every_question() -> None:
    rng = random.Random(1)
    seen = {d.question_id for _ in range(50) for d in draw(_bank(2), rng)}
    assert seen == {"s", "sc", "tf", "m", "s2"}


def test_draw_shuffles_choices_but_keeps_the_same_set() -> None:
    rng = random.Random(7)
    orders = {d.choice_ids for _ in range(30) for d in draw(_bank(5), rng) if d.question_id == "s2"}
    assert len(orders) > 1
    assert all(sorted(order) == list("abcdef") for order in orders)


def test_true_false_is_never_shuffled() -> None:
    rng = random.Random(3)
    orders = {d.choice_ids for _ in range(30) for d in draw(_bank(5), rng) if d.question_id == "tf"}
    assert orders == {("true", "false")}


def test_no_shuffle_keeps_file_order() -> None:
    drawn = draw(_bank(5, shuffle=False), random.Random(5))
    assert DrawnQuestion("s2", ("a", "b", "c", "d", "e", "f")) in drawn


@pytest.mark.parametrize(("right", "total", "percent"), [(0, 5, 0), (4, 5, 80), (2, 3, 66), (7, 9, 77), (5, 5, 100)])
def test_score_percent_rounds_down(right: int, total: int, percent: int) -> None:
    assert score_percent(right, total) == percent


@pytest.mark.parametrize(
    ("right", "total", "mark", "passed"),
    [
        (4, 5, 80, True),
        (3, 5, 80, False),
        (7, 9, 78, False),
        (7, 9, 77, True),
        (1, 1, 100, True),
        (0, 1, 1, False),
    ],
)
def test_is_pass_compares_exactly(right: int, total: int, mark: int, passed: bool) -> None:
    assert is_pass(right, total, mark) is passed


def test_an_attempt_without_questions_is_a_bug() -> None:
    with pytest.raises(ValueError, match="an attempt has at least one question"):
        score_percent(0, 0)
    with pytest.raises(ValueError, match="an attempt has at least one question"):
        is_pass(0, 0, 50)
