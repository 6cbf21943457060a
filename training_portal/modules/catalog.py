"""The catalog: every module loaded and checked, frozen, and swapped atomically when files change.

A running app holds one `CatalogHolder`. Requests read `holder.current` (a frozen `Catalog`);
they never parse Markdown or YAML. `maybe_reload()` stats the content folder at most every
`interval` seconds; when something changed it loads everything again and swaps the new catalog
in only if it has no errors. Otherwise the last good catalog stays live and `holder.problems`
says what is wrong, for the trainers' page. Servers sharing the same files converge, because
each one loads whatever is on disk and the result depends only on the files' bytes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from training_portal.modules.content import Module
from training_portal.modules.loader import ImageUrl, default_image_url, load_module
from training_portal.problems import Problem, display_path, error, has_errors, warning

DEFAULT_INTERVAL = 3.0
log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Catalog:
    modules: Mapping[str, Module]  # by slug, drafts included
    ordered: tuple[Module, ...]  # by order, then slug
    fingerprint: str  # of the files as they were stat'ed before loading
    content_hash: str = ""  # of every module's content hash: equal on servers with equal files

    @classmethod
    def empty(cls) -> Catalog:
        return cls(MappingProxyType({}), (), "", hashlib.sha256().hexdigest())

    def get(self, slug: str) -> Module | None:
        return self.modules.get(slug)

    def published(self) -> tuple[Module, ...]:
        return tuple(m for m in self.ordered if m.is_published)


def module_folders(content_dir: Path) -> list[Path]:
    """Every non-hidden folder in content/modules (sorted), valid slug or not."""
    modules_dir = content_dir / "modules"
    if not modules_dir.is_dir():
        return []
    return sorted(p for p in modules_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_catalog(
    content_dir: Path,
    *,
    image_url: ImageUrl = default_image_url,
    fingerprint: str | None = None,
) -> tuple[Catalog | None, list[Problem]]:
    """Load and check everything. The catalog is None when there is any error; warnings never block."""
    fingerprint = content_fingerprint(content_dir) if fingerprint is None else fingerprint
    if not (content_dir / "modules").is_dir():
        shown = display_path(content_dir / "modules", content_dir)
        return None, [error(shown, None, "the modules folder was not found — check CONTENT_DIR or the folder name")]
    folders = module_folders(content_dir)
    known = frozenset(p.name for p in folders)
    modules: list[Module] = []
    problems: list[Problem] = []
    for folder in folders:
        module, found = _load_folder(folder, content_dir, known, image_url)
        problems.extend(found)
        modules.extend([module] if module else [])
    problems.extend(_cross_module_problems(modules, content_dir))
    problems.sort(key=lambda p: (p.file, p.line or 0))
    if has_errors(problems):
        return None, problems
    ordered = tuple(sorted(modules, key=lambda m: (m.order, m.slug)))
    combined = hashlib.sha256("".join(f"{m.slug}:{m.content_hash}\n" for m in ordered).encode()).hexdigest()
    return Catalog(MappingProxyType({m.slug: m for m in ordered}), ordered, fingerprint, combined), problems


def _load_folder(
    folder: Path, content_dir: Path, known: frozenset[str], image_url: ImageUrl
) -> tuple[Module | None, list[Problem]]:
    try:
        return load_module(folder, content_dir, known_slugs=known, image_url=image_url)
    except OSError as exc:
        message = f"this folder could not be read ({exc.strerror}) — check its permissions"
        return None, [error(display_path(folder, content_dir), None, message)]


def _cross_module_problems(modules: list[Module], content_dir: Path) -> list[Problem]:
    def shown(slug: str) -> str:
        return display_path(content_dir / "modules" / slug / "module.md", content_dir)

    problems: list[Problem] = []
    by_order: dict[int, str] = {}
    for module in sorted(modules, key=lambda m: m.slug):
        other = by_order.setdefault(module.order, module.slug)
        if other != module.slug:
            message = f'order {module.order} is also used by "{other}" — give each module its own order'
            problems.append(warning(shown(module.slug), None, message))
    by_slug = {m.slug: m for m in modules}
    for module in (m for m in modules if m.is_published):
        for slug in module.prerequisites:
            if slug in by_slug and not by_slug[slug].is_published:
                message = f'prerequisite "{slug}" is a draft, so staff cannot start this module until it is published'
                problems.append(warning(shown(module.slug), None, message))
    for cycle in _cycles({m.slug: m.prerequisites for m in modules}):
        message = (
            f"prerequisites go round in a circle ({' → '.join([*cycle, cycle[0]])}), so nobody could ever start "
            "these modules — remove one of them"
        )
        problems.append(error(shown(cycle[0]), None, message))
    return problems


def _cycles(graph: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """Each prerequisite cycle once, starting from its alphabetically first module."""
    found: dict[tuple[str, ...], list[str]] = {}

    def visit(slug: str, path: list[str]) -> None:
        for nxt in graph.get(slug, ()):
            if nxt == path[0]:
                key = tuple(sorted(path))
                found.setdefault(key, path.copy())
            elif nxt not in path and nxt > path[0]:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    return list(found.values())


def content_fingerprint(content_dir: Path) -> str:
    """Cheap: path, size and mtime of every file (no reading). Changes whenever a file does."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(content_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(root, name)
            shown = os.path.relpath(path, content_dir)
            try:
                info = os.stat(path)
                digest.update(f"{shown}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
            except OSError:
                digest.update(f"{shown}\0missing\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class _State:
    catalog: Catalog
    problems: tuple[Problem, ...]
    fingerprint: str | None  # of the last attempt, good or bad, so bad content is not reloaded every check
    loaded_at: datetime | None  # when `catalog` was loaded
    attempted_at: datetime | None  # when `problems` were found


@dataclass
class CatalogHolder:
    content_dir: Path
    interval: float | None = DEFAULT_INTERVAL  # seconds between checks; 0 = every call; None = only reload()
    image_url: ImageUrl = default_image_url
    clock: Callable[[], float] = time.monotonic
    _state: _State = field(init=False)
    _checked_at: float | None = field(init=False, default=None)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._state = _State(Catalog.empty(), (), None, None, None)
        self.reload()

    @property
    def current(self) -> Catalog:
        return self._state.catalog

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._state.problems

    @property
    def loaded_at(self) -> datetime | None:
        return self._state.loaded_at

    @property
    def attempted_at(self) -> datetime | None:
        return self._state.attempted_at

    def maybe_reload(self, now: float | None = None) -> bool:
        """Reload if at least `interval` seconds passed and the files changed. True if a new catalog went live."""
        if self.interval is None:
            return False
        now = self.clock() if now is None else now
        if self._checked_at is not None and now - self._checked_at < self.interval:
            return False
        if not self._lock.acquire(blocking=False):
            return False  # another thread is checking; keep serving the current catalog
        try:
            self._checked_at = now
            fingerprint = content_fingerprint(self.content_dir)
            if fingerprint == self._state.fingerprint:
                return False
            return self._load(fingerprint)
        finally:
            self._lock.release()

    def reload(self) -> bool:
        """Load now, whatever the fingerprint says. True if a new catalog went live."""
        with self._lock:
            self._checked_at = self.clock()
            return self._load(content_fingerprint(self.content_dir))

    def _load(self, fingerprint: str) -> bool:
        try:
            catalog, problems = load_catalog(self.content_dir, image_url=self.image_url, fingerprint=fingerprint)
        except Exception:  # a loader bug must not turn a trainer's edit into a 500 for staff
            log.exception("loading content from %s failed", self.content_dir)
            shown = display_path(self.content_dir, self.content_dir)
            catalog, problems = (
                None,
                [
                    error(
                        shown,
                        None,
                        "the content could not be loaded because of a fault in "
                        "the portal — tell a developer; the last good content "
                        "stays live",
                    )
                ],
            )
        now = datetime.now(UTC)
        old = self._state
        if catalog is None:
            self._state = _State(old.catalog, tuple(problems), fingerprint, old.loaded_at, now)
            return False
        self._state = _State(catalog, tuple(problems), fingerprint, now, now)
        return True
