"""quiz.yaml → QuizBank, with every problem and its line (YAML via SafeLoader only)."""

from __future__ import annotations

import re
import string
from typing import Any

from training_portal.problems import Problem, error, has_errors, warning
from training_portal.quizzes.bank import QUESTION_KINDS, Choice, Question, QuizBank
from training_portal.quizzes.yaml_traps import comment_cuts, not_text_message, raw_value
from training_portal.safe_yaml import LineDict, LineList, duplicate_key_problems, load_yaml

QUESTION_ID = re.compile(r"[a-z0-9-]+")
TOP_KEYS = ("pass_mark", "questions_per_attempt", "shuffle_choices", "questions")
QUESTION_KEYS = ("id", "type", "text", "scenario", "choices", "answer", "explanation", "page")
CHOICE_KEYS = ("text", "correct", "feedback")
TEXT_KEYS = ("text", "explanation", "feedback", "scenario", "page")  # one-line texts a ` #` can cut short
MIN_CHOICES, MAX_CHOICES = 2, 6


class _Checker:
    def __init__(self, file: str, lines: list[str] | None = None) -> None:
        self.file = file
        self.lines = lines or []
        self.problems: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(error(self.file, line, message))

    def keys(self, data: LineDict, allowed: tuple[str, ...], where: str) -> None:
        self.problems.extend(duplicate_key_problems(data, self.file, where))
        for key in data:
            if key not in allowed:
                self.add(
                    data.line_of(key),
                    f'{where} has an unknown key "{key}" — remove it or check the '
                    f"spelling (allowed: {', '.join(allowed)})",
                )

    def text(self, data: LineDict, key: str, where: str, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if value is None:
            self.add(data.line_of(key), f"{where} has no {key} — add a line like {key}: …")
            return None
        if not isinstance(value, str) or not value.strip():
            line = data.line_of(key)
            quote = not_text_message(value, raw_value(self.lines, line, key))
            self.add(line, f"the {key} of {where}: {quote}" if quote else
                     f"the {key} of {where} must be text — write it after {key}:")
            return None
        return value.strip()


def load_quiz(text: str, file: str) -> tuple[QuizBank | None, list[Problem]]:
    data, problems = load_yaml(text, file)
    if problems:
        return None, problems
    check = _Checker(file, text.split("\n"))
    check.problems.extend(comment_cuts(text, TEXT_KEYS, file))
    if not isinstance(data, LineDict):
        check.add(1, "quiz.yaml must start with settings like pass_mark: 80 and a list of questions:")
        return None, check.problems
    check.keys(data, TOP_KEYS, "the quiz")
    questions = _questions(data, check)
    bank = _bank(data, questions, check)
    if bank is not None:
        check.problems.extend(lopsided_problems(questions, data, file))
    return (None if has_errors(check.problems) else bank), check.problems


def _bank(data: LineDict, questions: list[Question], check: _Checker) -> QuizBank | None:
    pass_mark = _pass_mark(data, check)
    per_attempt = _per_attempt(data, check)
    shuffle = data.get("shuffle_choices", True)
    if not isinstance(shuffle, bool):
        check.add(data.line_of("shuffle_choices"), "shuffle_choices must be true or false")
    if pass_mark is None or per_attempt is None or not isinstance(shuffle, bool):
        return None
    return QuizBank(pass_mark, per_attempt, shuffle, tuple(questions))


def _pass_mark(data: LineDict, check: _Checker) -> int | None:
    value, line = data.get("pass_mark"), data.line_of("pass_mark")
    if value is None:
        check.add(line, "pass_mark is missing — add a line like pass_mark: 80 (the percentage needed to pass)")
    elif isinstance(value, bool) or not isinstance(value, int):
        check.add(line, f'pass_mark must be a whole number from 1 to 100, like pass_mark: 80 (you wrote "{value}")')
    elif value > 100:
        check.add(line, f"pass_mark {value} cannot be reached — use a percentage from 1 to 100")
    elif value < 1:
        check.add(line, f"pass_mark {value} would let everyone pass — use a percentage from 1 to 100")
    else:
        return value
    return None


def _per_attempt(data: LineDict, check: _Checker) -> int | None:
    value, line = data.get("questions_per_attempt"), data.line_of("questions_per_attempt")
    bank = data.get("questions")
    size = len(bank) if isinstance(bank, list) else 0
    if value is None:
        check.add(line, "questions_per_attempt is missing — add a line like questions_per_attempt: 8")
    elif isinstance(value, bool) or not isinstance(value, int):
        check.add(
            line, f'questions_per_attempt must be a whole number, like questions_per_attempt: 8 (you wrote "{value}")'
        )
    elif value < 1:
        check.add(line, f"questions_per_attempt is {value} — it must be at least 1")
    elif size and value > size:
        check.add(
            line,
            f"questions_per_attempt is {value} but the quiz has only {_count(size, 'question')} — "
            "add questions or lower questions_per_attempt",
        )
    else:
        return value
    return None


def _questions(data: LineDict, check: _Checker) -> list[Question]:
    items = data.get("questions")
    if not isinstance(items, LineList) or not items:
        check.add(data.line_of("questions"), "the quiz has no questions — add a list under questions:")
        return []
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        line = items.line_of(index)
        if not isinstance(item, LineDict):
            check.add(line, f"question {index + 1} must be a set of keys (id:, type:, text:, …) starting with -")
            continue
        qid = item.get("id")
        if isinstance(qid, str) and qid in seen:
            check.add(
                item.line_of("id"),
                f'question id "{qid}" is used twice (also on line {seen[qid]}) — give each question its own id',
            )
        elif isinstance(qid, str):
            seen[qid] = item.line_of("id")
        question = _question(item, index, check)
        if question is not None:
            questions.append(question)
    return questions


def _question(item: LineDict, index: int, check: _Checker) -> Question | None:
    qid = item.get("id")
    where = f'question "{qid}"' if isinstance(qid, str) else f"question {index + 1}"
    before = len(check.problems)
    check.keys(item, QUESTION_KEYS, where)
    if not isinstance(qid, str) or not QUESTION_ID.fullmatch(qid):
        check.add(
            item.line_of("id"), f"{where} needs an id of lower-case letters, digits and -, like id: spot-isolating"
        )
    kind = item.get("type")
    if kind is None:
        check.add(
            item.line_of("type"),
            f"{where} has no type — add a line like type: single (or multiple, true_false, scenario)",
        )
    elif kind not in QUESTION_KINDS:
        check.add(
            item.line_of("type"), f'{where} has an unknown type "{kind}" — use single, multiple, true_false or scenario'
        )
    text = check.text(item, "text", where)
    explanation = check.text(item, "explanation", where)
    scenario = check.text(item, "scenario", where, required=(kind == "scenario"))
    if scenario is not None and kind != "scenario":
        check.add(
            item.line_of("scenario"),
            f"{where} has a scenario but is not type: scenario — set type: scenario or remove the scenario",
        )
    page = check.text(item, "page", where, required=False)
    choices = _true_false(item, where, check) if kind == "true_false" else _choices(item, kind, where, check)
    if has_errors(check.problems[before:]) or kind not in QUESTION_KINDS or text is None or explanation is None:
        return None
    return Question(str(qid), kind, text, scenario, choices, explanation, page, item.line_of("page"))


def _true_false(item: LineDict, where: str, check: _Checker) -> tuple[Choice, ...]:
    if "choices" in item:
        check.add(
            item.line_of("choices"),
            f"{where} is true_false, so it has no choices — remove them and write answer: true or answer: false",
        )
    answer = item.get("answer")
    if not isinstance(answer, bool):
        check.add(item.line_of("answer"), f"{where} is true_false and needs answer: true or answer: false")
        return ()
    return (Choice("true", "True", answer is True), Choice("false", "False", answer is False))


def _choices(item: LineDict, kind: Any, where: str, check: _Checker) -> tuple[Choice, ...]:
    if "answer" in item:
        check.add(
            item.line_of("answer"),
            f"{where} has answer:, which only true_false questions use — mark "
            "the right choice with correct: true instead",
        )
    items = item.get("choices")
    if not isinstance(items, LineList) or not (MIN_CHOICES <= len(items) <= MAX_CHOICES):
        count = len(items) if isinstance(items, list) else 0
        check.add(
            item.line_of("choices"),
            f"{where} has {_count(count, 'choice')} — give it from {MIN_CHOICES} to "
            f"{MAX_CHOICES} choices, each starting with - text:",
        )
        return ()
    choices = tuple(_choice(items, i, where, check) for i in range(len(items)))
    _check_correct_count(item, kind, choices, where, check)
    return choices


def _choice(items: LineList, index: int, where: str, check: _Checker) -> Choice:
    letter = string.ascii_lowercase[index]
    data = items[index]
    if not isinstance(data, LineDict):
        check.add(items.line_of(index), f"choice {letter} of {where} must start with - text:")
        return Choice(letter, "", False)
    check.keys(data, CHOICE_KEYS, f"choice {letter} of {where}")
    text = check.text(data, "text", f"choice {letter} of {where}") or ""
    correct = data.get("correct", False)
    if not isinstance(correct, bool):
        check.add(
            data.line_of("correct"),
            f'choice {letter} of {where} has correct: "{correct}" — write correct: true or leave the line out',
        )
    feedback = check.text(data, "feedback", f"choice {letter} of {where}", required=False)
    return Choice(letter, text, correct is True, feedback)


def _check_correct_count(item: LineDict, kind: Any, choices: tuple[Choice, ...], where: str, check: _Checker) -> None:
    correct = sum(c.is_correct for c in choices)
    line = item.line_of("choices")
    if correct == 0:
        check.add(line, f"{where} has no correct answer — mark one choice with correct: true")
    elif correct > 1 and kind in ("single", "scenario"):
        check.add(
            line,
            f"{where} has {correct} correct answers but a {kind} question needs exactly one — "
            "use type: multiple or mark only one choice with correct: true",
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# A bank is lopsided when a guesser could do well by always picking one position: warn when,
# among at least LOPSIDED_MIN questions of a kind, one position holds more than its share.
LOPSIDED_MIN = 4
LOPSIDED_SINGLE_SHARE = 0.5  # single/scenario: one letter has half or more of the correct answers
LOPSIDED_TRUE_FALSE_SHARE = 0.7  # true_false: more than 70 % go one way


def lopsided_problems(questions: list[Question], data: LineDict, file: str) -> list[Problem]:
    """Warnings for a bank whose correct answers sit mostly in one position, or go mostly one way."""
    problems: list[Problem] = []
    line = data.line_of("questions")
    singles = [next(c.id for c in q.choices if c.is_correct) for q in questions if q.kind in ("single", "scenario")]
    if len(singles) >= LOPSIDED_MIN:
        letter = max(sorted(set(singles)), key=singles.count)
        if singles.count(letter) >= LOPSIDED_SINGLE_SHARE * len(singles):
            problems.append(
                warning(
                    file,
                    line,
                    f"the correct answer is choice {letter} in {singles.count(letter)} of {len(singles)} single and "
                    "scenario questions — move some right answers to other positions, so that guessing one "
                    "letter does not pay",
                )
            )
    answers = [q.correct_ids == {"true"} for q in questions if q.kind == "true_false"]
    if len(answers) >= LOPSIDED_MIN:
        trues = sum(answers)
        most, way = (trues, "true") if trues * 2 >= len(answers) else (len(answers) - trues, "false")
        if most > LOPSIDED_TRUE_FALSE_SHARE * len(answers):
            problems.append(
                warning(
                    file,
                    line,
                    f"{most} of {len(answers)} true_false questions have answer: {way} — rewrite some "
                    "statements the other way round, so that always answering one way does not pay",
                )
            )
    return problems
