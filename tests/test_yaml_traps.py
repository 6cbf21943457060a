"""YAML traps in quiz.yaml, told from the raw line: words and figures YAML reads as values, and ` #`."""

from __future__ import annotations

import pytest

from training_portal.modules.frontmatter import check, split
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


def _problems(text: str) -> list[str]:
    return [str(p) for p in load_quiz(text, "quiz.yaml")[1]]


def test_the_suggested_quotes_escape_a_double_quote_inside_the_cut_text() -> None:
    assert _problems(QUIZ.format(choice='Say "stop" #now')) == [
        'quiz.yaml, line 8: the text stops at " #": YAML reads the rest ("#now") as a comment, so staff see only '
        '"Say "stop"" — put the text in quotes: text: "Say \\"stop\\" #now"'
    ]


def test_the_cut_comment_is_quoted_without_its_surrounding_spaces_but_the_fix_keeps_them() -> None:
    assert _problems(QUIZ.format(choice="Call 999 #  first priority  ")) == [
        'quiz.yaml, line 8: the text stops at " #": YAML reads the rest ("#first priority") as a comment, so staff '
        'see only "Call 999" — put the text in quotes: text: "Call 999 #  first priority  "'
    ]


def test_a_comment_cut_on_a_page_line_is_found_too() -> None:
    quiz = QUIZ.format(choice="A").replace("    explanation:", "    page: Spotting the signs #2\n    explanation:")
    assert _problems(quiz) == [
        'quiz.yaml, line 11: the page stops at " #": YAML reads the rest ("#2") as a comment, so staff see only '
        '"Spotting the signs" — put the text in quotes: page: "Spotting the signs #2"'
    ]


@pytest.mark.parametrize(
    ("written", "shown", "kind"), [("Yes", "True", "a yes/no value"), ("3", "3", "a number")]
)
def test_a_value_under_a_quoted_key_is_shown_as_yaml_read_it(written: str, shown: str, kind: str) -> None:
    quiz = QUIZ.replace("      - text: {choice}", '      - "text": {choice}').format(choice=written)
    assert _problems(quiz) == [
        f'quiz.yaml, line 8: the text of choice a of question "q1": {shown} is read as {kind}, not text — put the '
        f'text in quotes: "{shown}"'
    ]


def test_a_value_on_the_last_line_without_a_line_end_is_quoted_as_written() -> None:
    quiz = QUIZ.format(choice="A").replace("explanation: Because it is.\n", "explanation: No")
    assert _problems(quiz) == [
        'quiz.yaml, line 11: the explanation of question "q1": No is read as a yes/no value, not text — put the '
        'text in quotes: "No"'
    ]


FRONT = """---
summary: Spotting spiking
order: 1
estimated_minutes: 10
version: "1.0"
valid_for_months: 12
status: published
{last}
---
Body
"""


def _front_problems(text: str) -> list[str]:
    front, problems = split(text, "module.md")
    assert front is not None
    return [str(p) for p in [*problems, *check(front.data, "module.md", front.lines)]]


def test_a_title_on_the_last_front_matter_line_is_quoted_as_written() -> None:
    assert _front_problems(FRONT.format(last="title: Yes")) == [
        'module.md, line 8: title: Yes is read as a yes/no value, not text — put the text in quotes: "Yes"'
    ]


def test_a_comment_cut_in_the_title_is_found() -> None:
    assert _front_problems(FRONT.format(last="title: Spiking #1 module")) == [
        'module.md, line 8: the title stops at " #": YAML reads the rest ("#1 module") as a comment, so staff see '
        'only "Spiking" — put the text in quotes: title: "Spiking #1 module"'
    ]
