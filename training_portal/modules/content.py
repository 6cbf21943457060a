"""Immutable module objects, built once from content/modules/<slug>/ by modules/loader.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from training_portal.quizzes.bank import QuizBank

Status = Literal["draft", "published"]


@dataclass(frozen=True)
class Page:
    title: str  # plain text; escape it in templates like any other text
    html: str  # rendered and sanitised at load time; safe to mark |safe
    word_count: int


@dataclass(frozen=True)
class ModuleImage:
    filename: str
    media_type: str  # from the file's first bytes, e.g. "image/png"
    data: bytes
    sha256: str  # hex; handy as an ETag


@dataclass(frozen=True)
class Module:
    slug: str
    title: str
    summary: str
    order: int
    estimated_minutes: int
    version: str  # "MAJOR.MINOR"
    valid_for_months: int
    status: Status
    prerequisites: tuple[str, ...]
    tags: tuple[str, ...]
    pages: tuple[Page, ...]
    content_hash: str  # sha256 hex of module.md, quiz.yaml and images; record it with completions
    quiz: QuizBank | None
    images: Mapping[str, ModuleImage] = field(default_factory=lambda: MappingProxyType({}), compare=False)
    test_out: bool = False  # module.md's test_out: true lets staff take the quiz before reading every page
    replaces: str | None = None  # a draft of the next version of this published module (its folder name)

    def page_number(self, title: str | None) -> int | None:
        """The 1-based number of the page with this title (a question's page:), or None."""
        if title is None:
            return None
        return next((n for n, page in enumerate(self.pages, start=1) if page.title == title), None)

    @property
    def major_version(self) -> int:
        """A change of major version means earlier completions need the refresher."""
        return int(self.version.split(".")[0])

    @property
    def minor_version(self) -> int:
        return int(self.version.split(".")[1])

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def word_count(self) -> int:
        return sum(p.word_count for p in self.pages)
