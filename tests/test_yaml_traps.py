"""YAML traps in quiz.yaml, told from the raw line: words and figures YAML reads as values, and ` #`."""

from __future__ import annotations

import pytest

from training_portal.quizzes.loader import load_quiz

QUIZ = """pass_mark: 50
questions_per_attempt: 1
questions:
  - id: q1
    type: single
    text: Which is right?
    choices:
      - text: {choice}
        correct: true
      - text: That one
    explanation: Because it is.
"""


@pytest.mark.parametrize(
    ("written", "kind"),
    [("On", "a yes/no value"), ("off", "a yes/no value"), ("No", "a yes/no value"), ("TRUE", "a yes/no value"),
     ("3", "a number"), ("1.5", "a number"), ("12:30:00", "a time"), ("2026-11-30", "a date")],
)
def test_a_word_or_figure_yaml_reads_as_a_value_says_put_it_in_quotes(written: str, kind: str) -> None:
    bank, problems = load_quiz(QUIZ.format(choice=written), "quiz.yaml")
    assert bank is None
    assert [str(p) for p in problems] == [
        f'quiz.yaml, line 8: the text of choice a of question "q1": {written} is read as {kind}, not text — put the '
        f'text in quotes: "{written}"'
    ]


@pytest.mark.parametrize("written", ['"On"', "'3'", "On the bar", "12:30 at the door", "C#", "Call 999 # "])
def test_quoted_or_longer_text_is_plain_text(written: str) -> None:
    bank, problems = load_quiz(QUIZ.format(choice=written), "quiz.yaml")
    assert problems == [] and bank is not None


def test_a_comment_after_quoted_text_is_left_alone() -> None:
    bank, problems = load_quiz(QUIZ.format(choice='"Call 999" # the right one'), "quiz.yaml")
    assert problems == [] and bank is not None
    assert bank.questions[0].choices[0].text == "Call 999"
