"""The catalog: every module loaded and checked, frozen, and swapped atomically when files change.

A running app holds one `CatalogHolder`. Requests read `holder.current` (a frozen `Catalog`);
they never parse Markdown or YAML. `maybe_reload()` stats the content folder at most every
`interval` seconds; when something changed it loads everything again, module by module: a
module without errors goes live, a module with errors keeps its last good version (or stays
out if it never loaded), so one broken module or draft never holds back the others.
`holder.problems` says what is wrong, for the trainers' page, `/healthz` ("degraded: content")
and the log (once per failed reload). Servers sharing the same files converge, because each
one loads whatever is on disk and the result depends only on the files' bytes (and, for a
broken module, on the last good version it saw).
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


@dataclass(frozen=True)
class LoadResult:
    """Every module folder loaded on its own: the good modules, and the folders with errors."""

    good: dict[str, Module]  # by slug: loaded without errors
    failed: frozenset[str]  # folder names (slugs) whose module has errors, drafts included
    problems: list[Problem]  # sorted by file and line
    folder_missing: bool = False  # content/modules is not there at all


def load_modules(content_dir: Path, *, image_url: ImageUrl = default_image_url) -> LoadResult:
    """Load and check each module folder separately; a module with errors fails alone."""
    if not (content_dir / "modules").is_dir():
        shown = display_path(content_dir / "modules", content_dir)
        message = "the modules folder was not found — check CONTENT_DIR or the folder name"
        return LoadResult({}, frozenset(), [error(shown, None, message)], folder_missing=True)
    folders = module_folders(content_dir)
    known = frozenset(p.name for p in folders)
    good: dict[str, Module] = {}
    failed: set[str] = set()
    problems: list[Problem] = []
    for folder in folders:
        module, found = _load_folder(folder, content_dir, known, image_url)
        problems.extend(found)
        if module is None or has_errors(found):
            failed.add(folder.name)
        else:
            good[module.slug] = module
    cross = _cross_module_problems(list(good.values()), content_dir)
    problems.extend(cross)
    for problem in (p for p in cross if p.is_error):
        failed.update(_slugs_named_in(problem, good))
    for slug in failed:
        good.pop(slug, None)
    problems.sort(key=lambda p: (p.file, p.line or 0))
    return LoadResult(good, frozenset(failed), problems)


def _slugs_named_in(problem: Problem, modules: Mapping[str, Module]) -> set[str]:
    """The modules a cross-module error is about (a prerequisite cycle names each of them)."""
    return {slug for slug in modules if f"/{slug}/" in problem.file or f" {slug} " in f" {problem.message} "}


def build_catalog(modules: Mapping[str, Module] | list[Module], fingerprint: str) -> Catalog:
    found = list(modules.values()) if isinstance(modules, Mapping) else modules
    ordered = tuple(sorted(found, key=lambda m: (m.order, m.slug)))
    combined = hashlib.sha256("".join(f"{m.slug}:{m.content_hash}\n" for m in ordered).encode()).hexdigest()
    return Catalog(MappingProxyType({m.slug: m for m in ordered}), ordered, fingerprint, combined)


def load_catalog(
    content_dir: Path,
    *,
    image_url: ImageUrl = default_image_url,
    fingerprint: str | None = None,
) -> tuple[Catalog | None, list[Problem]]:
    """Load and check everything (the check command). The catalog is None when there is any
    error; warnings never block. A running server uses `CatalogHolder`, which goes module by module."""
    fingerprint = content_fingerprint(content_dir) if fingerprint is None else fingerprint
    result = load_modules(content_dir, image_url=image_url)
    if has_errors(result.problems):
        return None, result.problems
    return build_catalog(result.good, fingerprint), result.problems


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
        if module.replaces:  # a draft of the next version shares its module's order
            continue
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
    problems.extend(_replacement_problems(modules, shown))
    for cycle in _cycles({m.slug: m.prerequisites for m in modules}):
        message = (
            f"prerequisites go round in a circle ({' → '.join([*cycle, cycle[0]])}), so nobody could ever start "
            "these modules — remove one of them"
        )
        problems.append(error(shown(cycle[0]), None, message))
    return problems


def _replacement_problems(modules: list[Module], shown: Callable[[str], str]) -> list[Problem]:
    """A draft of the next version must replace a module that is not itself such a draft, with a higher version."""
    by_slug = {m.slug: m for m in modules}
    problems: list[Problem] = []
    for draft in (m for m in modules if m.replaces in by_slug):
        live = by_slug[str(draft.replaces)]
        if live.replaces:
            message = f'"{live.slug}" is itself a draft of the next version of "{live.replaces}" — replace that one'
            problems.append(error(shown(draft.slug), None, message))
        elif (draft.major_version, draft.minor_version) <= (live.major_version, live.minor_version):
            message = (f'version "{draft.version}" is not higher than the version staff see now ("{live.version}") — '
                       "raise it, so records tell the two apart (the major number if the advice changed)")
            problems.append(warning(shown(draft.slug), None, message))
    return problems


def replacement_notes(catalog: Catalog) -> list[str]:
    """For the check and the trainers' page: which of two versions staff see, and how to publish the draft."""
    notes = []
    for draft in (m for m in catalog.ordered if m.replaces):
        live = catalog.get(draft.replaces or "")
        seen = (f'version {live.version} from the folder "{live.slug}"' if live and live.is_published
                else "neither: it is not published")
        notes.append(f'"{draft.slug}" is a draft of version {draft.version} of "{draft.replaces}". Staff see {seen}; '
                     f"trainers can preview the draft. To publish it: .venv/bin/flask --app wsgi content publish "
                     f"{draft.slug}")
    return notes


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
    failed: frozenset[str] = frozenset()  # modules with errors in the files now on disk


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

    @property
    def failed(self) -> frozenset[str]:
        """Modules whose files have errors: staff see their last good version, or nothing."""
        return self._state.failed

    @property
    def degraded(self) -> bool:
        """True while any content file has an error (reported by /healthz and to trainers)."""
        return has_errors(self._state.problems)

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
        old = self._state
        try:
            result = load_modules(self.content_dir, image_url=self.image_url)
        except Exception:  # a loader bug must not turn a trainer's edit into a 500 for staff
            log.exception("loading content from %s failed", self.content_dir)
            shown = display_path(self.content_dir, self.content_dir)
            message = ("the content could not be loaded because of a fault in the portal — tell a "
                       "developer; the last good content stays live")
            result = LoadResult({}, frozenset(old.catalog.modules), [error(shown, None, message)],
                                folder_missing=True)
        now = datetime.now(UTC)
        if result.folder_missing:  # keep everything as it was: likely a mount or a typo
            modules: dict[str, Module] = dict(old.catalog.modules)
        else:
            modules = dict(result.good)
            for slug in result.failed:  # its last good version, if it ever had one
                if slug in old.catalog.modules:
                    modules[slug] = old.catalog.modules[slug]
        if has_errors(result.problems):
            self._log_problems(result)
        catalog = build_catalog(modules, fingerprint)
        errors = has_errors(result.problems)
        unchanged = catalog.content_hash == old.catalog.content_hash
        if errors and (unchanged or not modules):  # nothing new can go live
            self._state = _State(old.catalog, tuple(result.problems), fingerprint, old.loaded_at, now,
                                 result.failed)
            return False
        self._state = _State(catalog, tuple(result.problems), fingerprint, now, now, result.failed)
        return True

    def _log_problems(self, result: LoadResult) -> None:
        """Once per change of the files (a failed reload is not retried until they change again)."""
        errors = [str(p) for p in result.problems if p.is_error]
        log.warning(
            "content has %d error(s); modules kept at their last good version or left out: %s\n%s",
            len(errors), ", ".join(sorted(result.failed)) or "all", "\n".join(errors))
