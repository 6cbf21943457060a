"""Problems found in trainers' content files: an error blocks publishing, a warning does not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    severity: Severity = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return f"{where}: {self.message}"


def error(file: str, line: int | None, message: str) -> Problem:
    return Problem(file, line, message, "error")


def warning(file: str, line: int | None, message: str) -> Problem:
    return Problem(file, line, message, "warning")


def has_errors(problems: list[Problem] | tuple[Problem, ...]) -> bool:
    return any(p.is_error for p in problems)


def display_path(path: Path, content_dir: Path) -> str:
    """The path as a trainer knows it: relative to the content folder's parent (content/modules/...)."""
    base = content_dir.absolute().parent
    try:
        return path.absolute().relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()
