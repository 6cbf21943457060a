"""YAML traps in trainers' text: a ` #` that starts a comment, and unquoted words YAML reads as values.

YAML reads `text: Yes` as true, `text: 12:30` as the number 750 and `text: 2026-01-05` as a date;
and it drops everything after ` #` as a comment, so `text: Call 999 #1 priority` shows only
"Call 999". The loaders read the parsed value; these helpers look at the raw line to say what
the trainer wrote and what to do about it.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from training_portal.problems import Problem, warning

#: `key: value # more` where the value is not quoted or a block (| or >): the comment cuts it.
_COMMENT_CUT = r"^\s*(?:-\s+)?(?P<key>{keys})[ \t]*:[ \t]+(?![\"'|>#])(?P<kept>\S.*?)[ \t]+#(?P<cut>.*\S.*)$"


def comment_cuts(text: str, keys: tuple[str, ...], file: str, line_offset: int = 0) -> list[Problem]:
    """A warning for each `key: text # more` line: YAML drops " # more" as a comment."""
    pattern = re.compile(_COMMENT_CUT.format(keys="|".join(map(re.escape, keys))))
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=1 + line_offset):
        found = pattern.match(line)
        if found is None:
            continue
        whole = f"{found['kept']} #{found['cut']}".replace('"', '\\"')
        problems.append(
            warning(
                file,
                number,
                f'the {found["key"]} stops at " #": YAML reads the rest ("#{found["cut"].strip()}") as a '
                f'comment, so staff see only "{found["kept"]}" — put the text in quotes: '
                f'{found["key"]}: "{whole}"',
            )
        )
    return problems


def raw_value(lines: list[str], line: int, key: str) -> str | None:
    """What was written after `key:` on file line `line` (1-based), without a trailing comment."""
    if not 1 <= line <= len(lines):
        return None
    found = re.search(rf"(?:^|[\s\-{{,]){re.escape(key)}[ \t]*:[ \t]*(.*?)[ \t]*(?:[ \t]#.*)?$", lines[line - 1])
    return found.group(1) if found and found.group(1) else None


def not_text_message(value: Any, written: str | None) -> str | None:
    """For a value YAML read as yes/no, a number, a date or a time: say to quote it. Else None."""
    if isinstance(value, bool):
        kind = "a yes/no value"
    elif isinstance(value, (int, float)):
        kind = "a time" if written and ":" in written else "a number"
    elif isinstance(value, (datetime.date, datetime.datetime)):
        kind = "a date"
    else:
        return None
    shown = written if written else str(value)
    return f'{shown} is read as {kind}, not text — put the text in quotes: "{shown}"'
