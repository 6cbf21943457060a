"""The front matter of module.md: split it from the lesson, then check every key."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from training_portal.problems import Problem, error
from training_portal.quizzes.yaml_traps import comment_cuts, not_text_message, raw_value
from training_portal.safe_yaml import LineDict, LineList, duplicate_key_problems, load_yaml

SLUG = re.compile(r"[a-z0-9-]+")
VERSION = re.compile(r"(\d+)\.(\d+)")
REQUIRED = {
    "title": "title: Spotting spiking",
    "summary": "summary: How to notice spiking and what to do.",
    "order": "order: 1",
    "estimated_minutes": "estimated_minutes: 10",
    "version": 'version: "1.0"',
    "valid_for_months": "valid_for_months: 12",
    "status": "status: draft",
}
TEXT_KEYS = ("title", "summary")  # text a ` #` can cut short, or YAML can read as a value
OPTIONAL = {
    "prerequisites": "prerequisites: [welcome]",
    "tags": "tags: [spiking, bar]",
    "test_out": "test_out: true",
    "replaces": "replaces: drink-spiking",
}
ALLOWED = ", ".join([*REQUIRED, *OPTIONAL])
Checker = Callable[[Any], str | None]


@dataclass(frozen=True)
class FrontMatter:
    data: LineDict
    body: str
    body_first_line: int  # file line of the body's first line
    lines: tuple[str, ...] = ()  # the file's lines up to the closing ---, to quote what was written


def split(text: str, file: str) -> tuple[FrontMatter | None, list[Problem]]:
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, [
            error(
                file,
                1,
                "module.md must start with front matter: a line with only ---, "
                "the settings (title: …, summary: …), then another line with only ---",
            )
        ]
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return None, [
            error(file, 1, "the front matter is never closed — add a line with only --- after the last setting")
        ]
    data, problems = load_yaml("\n".join(lines[1:end]), file, line_offset=1)
    if problems:
        return None, problems
    cuts = comment_cuts("\n".join(lines[1:end]), TEXT_KEYS, file, line_offset=1)
    if not isinstance(data, LineDict):
        return None, [error(file, 2, "the front matter must be settings written as key: value, one a line")]
    front = FrontMatter(data, "\n".join(lines[end + 1 :]), end + 2, tuple(lines[:end]))
    return front, [*duplicate_key_problems(data, file), *cuts]


def check(data: LineDict, file: str, lines: tuple[str, ...] = ()) -> list[Problem]:
    """Every problem with the front-matter keys and values (all of them, not just the first)."""
    problems: list[Problem] = []
    for key in data:
        if key not in REQUIRED and key not in OPTIONAL:
            problems.append(
                error(
                    file,
                    data.line_of(key),
                    f'unknown front-matter key "{key}" — remove it or check the spelling (allowed: {ALLOWED})',
                )
            )
    for key, example in REQUIRED.items():
        if data.get(key) is None:
            what = "is empty" if key in data else "is missing"
            problems.append(error(file, data.line_of(key), f"{key} {what} — add a line like {example}"))
    for key, checker in _CHECKS.items():
        if data.get(key) is not None:
            quote = not_text_message(data[key], raw_value(list(lines), data.line_of(key), key))
            message = f"{key}: {quote}" if quote and key in TEXT_KEYS else checker(data[key])
            if message:
                problems.append(error(file, data.line_of(key), message))
    return problems


def _text(limit: int, key: str) -> Checker:
    def check_text(value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return f"{key} must be text — write it after {key}: on the same line"
        if len(value) > limit:
            return f"{key} is {len(value)} characters long — keep it to {limit} or fewer"
        return None

    return check_text


def _number(low: int, high: int | None, key: str) -> Checker:
    def check_number(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f'{key} must be a whole number, like {key}: {low} (you wrote "{value}")'
        if value < low or (high is not None and value > high):
            allowed = f"from {low} to {high}" if high is not None else f"{low} or more"
            return f"{key} is {value} — it must be a whole number {allowed}"
        return None

    return check_number


def _version(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'version must be written in quotes, like version: "{value}" (without quotes 1.10 would read as 1.1)'
    if not isinstance(value, str) or not VERSION.fullmatch(value.strip()):
        return f'version "{value}" is not MAJOR.MINOR — write it like version: "1.0" or version: "2.3"'
    return None


def _status(value: Any) -> str | None:
    if value not in ("draft", "published"):
        return f'status "{value}" is not allowed — use status: draft or status: published'
    return None


def _slug_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "prerequisites must be a list of module folder names, like prerequisites: [welcome, spiking]"
    bad = [v for v in value if not SLUG.fullmatch(v)]
    if bad:
        return f'prerequisite "{bad[0]}" is not a module folder name (lower-case letters, digits and -)'
    return None


def _slug(value: Any) -> str | None:
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        return f'replaces "{value}" is not a module folder name — write the folder name, like replaces: drink-spiking'
    return None


def _flag(key: str) -> Checker:
    def check_flag(value: Any) -> str | None:
        if not isinstance(value, bool):
            return f'{key} must be true or false, like {key}: true (you wrote "{value}")'
        return None

    return check_flag


def _word_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return "tags must be a list of short words, like tags: [spiking, bar]"
    return None


_CHECKS: dict[str, Checker] = {
    "title": _text(120, "title"),
    "summary": _text(300, "summary"),
    "order": _number(1, None, "order"),
    "estimated_minutes": _number(1, 60, "estimated_minutes"),
    "version": _version,
    "valid_for_months": _number(1, 60, "valid_for_months"),
    "status": _status,
    "prerequisites": _slug_list,
    "tags": _word_list,
    "test_out": _flag("test_out"),
    "replaces": _slug,
}


def prerequisite_line(data: LineDict, slug: str) -> int:
    value = data.get("prerequisites")
    if isinstance(value, LineList) and slug in value:
        return value.line_of(value.index(slug))
    return data.line_of("prerequisites")
