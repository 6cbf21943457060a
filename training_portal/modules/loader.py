"""content/modules/<slug>/ → Module + every problem found (module.md, quiz.yaml, images)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from urllib.parse import quote

from training_portal.modules import frontmatter
from training_portal.modules.content import Module, ModuleImage, Page
from training_portal.modules.files import (
    IMAGE_LIMIT,
    IMAGE_SUFFIXES,
    MODULE_MD_LIMIT,
    QUIZ_YAML_LIMIT,
    decode_text,
    image_media_type,
    image_size_problem,
    outside_problem,
    read_limited,
)
from training_portal.modules.pages import BodyCheck, check_body
from training_portal.problems import Problem, display_path, error, has_errors, warning
from training_portal.quizzes.bank import QuizBank
from training_portal.quizzes.loader import load_quiz
from training_portal.safe_yaml import LineDict

ImageUrl = Callable[[str, str], str]  # (slug, filename) → URL written into the page HTML


def default_image_url(slug: str, filename: str) -> str:
    return f"/modules/{slug}/images/{quote(filename)}"


@dataclass(frozen=True)
class _Files:
    module_md: bytes | None
    quiz_yaml: bytes | None
    images: dict[str, ModuleImage]
    broken_images: frozenset[str]


def load_module(
    module_dir: Path,
    content_dir: Path,
    *,
    known_slugs: frozenset[str] | None = None,
    image_url: ImageUrl = default_image_url,
) -> tuple[Module | None, list[Problem]]:
    """Load one module folder. `known_slugs` (every module folder's name) enables the prerequisite check."""
    slug = module_dir.name
    if not frontmatter.SLUG.fullmatch(slug):
        message = (
            "a module folder name may only use lower-case letters, digits and - (no spaces or capitals) "
            "— rename the folder"
        )
        return None, [error(display_path(module_dir, content_dir), None, message)]
    outside = outside_problem(module_dir, content_dir)
    if outside:
        return None, [outside]
    problems: list[Problem] = []
    files = _read_files(module_dir, content_dir, problems)
    quiz = _load_quiz(files.quiz_yaml, display_path(module_dir / "quiz.yaml", content_dir), problems)
    md_file = display_path(module_dir / "module.md", content_dir)
    lesson = _load_lesson(files, md_file, lambda name: image_url(slug, name), problems)
    if lesson is None:
        return None, problems
    front, body = lesson
    problems.extend(_unused_images(files, body.used_images, module_dir, content_dir))
    problems.extend(_module_rules(front.data, md_file, files.quiz_yaml is not None, known_slugs))
    problems.extend(_replaces_rules(front.data, md_file, slug, known_slugs))
    problems.extend(_question_pages(quiz, body.pages, display_path(module_dir / "quiz.yaml", content_dir)))
    if has_errors(problems):
        return None, problems
    return _build(slug, front.data, body, files, quiz), problems


def _load_lesson(
    files: _Files, md_file: str, image_url: Callable[[str], str], problems: list[Problem]
) -> tuple[frontmatter.FrontMatter, BodyCheck] | None:
    if files.module_md is None:
        return None
    text, problem = decode_text(files.module_md, md_file)
    if problem or text is None:
        problems.extend([problem] if problem else [])
        return None
    front, split_problems = frontmatter.split(text, md_file)
    problems.extend(split_problems)
    if front is None:
        return None
    problems.extend(frontmatter.check(front.data, md_file, front.lines))
    check = BodyCheck(md_file, front.body_first_line, image_url, frozenset(files.images), files.broken_images)
    body = check_body(front.body, check)
    problems.extend(body.problems)
    return front, body


def _build(slug: str, data: LineDict, body: BodyCheck, files: _Files, quiz: QuizBank | None) -> Module:
    return Module(
        slug=slug,
        title=data["title"].strip(),
        summary=data["summary"].strip(),
        order=data["order"],
        estimated_minutes=data["estimated_minutes"],
        version=data["version"].strip(),
        valid_for_months=data["valid_for_months"],
        status=data["status"],
        prerequisites=tuple(data.get("prerequisites") or ()),
        tags=tuple(data.get("tags") or ()),
        pages=tuple(body.pages),
        content_hash=_content_hash(files),
        quiz=quiz,
        images=MappingProxyType(dict(files.images)),
        test_out=data.get("test_out") is True,
        replaces=data.get("replaces"),
    )


def _read_files(module_dir: Path, content_dir: Path, problems: list[Problem]) -> _Files:
    md_path, quiz_path = module_dir / "module.md", module_dir / "quiz.yaml"
    module_md = quiz_yaml = None
    if md_path.is_symlink() or md_path.exists():
        module_md, problem = read_limited(md_path, content_dir, MODULE_MD_LIMIT)
        problems.extend([problem] if problem else [])
    else:
        problems.append(
            error(
                display_path(module_dir, content_dir),
                None,
                "this module folder has no module.md — add one, or remove the folder",
            )
        )
    if quiz_path.is_symlink() or quiz_path.exists():
        quiz_yaml, problem = read_limited(quiz_path, content_dir, QUIZ_YAML_LIMIT)
        problems.extend([problem] if problem else [])
    images, broken = _read_images(module_dir, content_dir, problems)
    return _Files(module_md, quiz_yaml, images, broken)


def _read_images(
    module_dir: Path, content_dir: Path, problems: list[Problem]
) -> tuple[dict[str, ModuleImage], frozenset[str]]:
    images: dict[str, ModuleImage] = {}
    broken: set[str] = set()
    for path in sorted(module_dir.iterdir()):
        if path.suffix.lower() not in IMAGE_SUFFIXES or path.name.startswith("."):
            continue
        data, problem = read_limited(path, content_dir, IMAGE_LIMIT)
        media_type = image_media_type(data) if data is not None else None
        if problem is None and media_type is None:
            problem = error(
                display_path(path, content_dir),
                None,
                "this is not a PNG, JPEG, GIF or WebP picture "
                "(whatever its name says) — save it again in one of those formats",
            )
        if problem is not None or data is None or media_type is None:
            problems.extend([problem] if problem else [])
            broken.add(path.name)
            continue
        advice = image_size_problem(data, display_path(path, content_dir))
        problems.extend([advice] if advice else [])
        images[path.name] = ModuleImage(path.name, media_type, data, hashlib.sha256(data).hexdigest())
    return images, frozenset(broken)


def _load_quiz(data: bytes | None, shown: str, problems: list[Problem]) -> QuizBank | None:
    if data is None:
        return None
    text, problem = decode_text(data, shown)
    if problem or text is None:
        problems.extend([problem] if problem else [])
        return None
    quiz, quiz_problems = load_quiz(text, shown)
    problems.extend(quiz_problems)
    return quiz


def _unused_images(files: _Files, used: set[str], module_dir: Path, content_dir: Path) -> list[Problem]:
    return [
        warning(
            display_path(module_dir / name, content_dir),
            None,
            "this picture is not used in module.md — use it with ![alt text](name) or delete it",
        )
        for name in sorted(set(files.images) - used)
    ]


def _module_rules(data: LineDict, file: str, has_quiz: bool, known: frozenset[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    if data.get("status") == "published" and not has_quiz:
        problems.append(
            error(
                file,
                data.line_of("status"),
                "this module is published but has no quiz.yaml — add the quiz, or set status: draft until it is ready",
            )
        )
    prerequisites = data.get("prerequisites")
    if known is not None and isinstance(prerequisites, list):
        for slug in prerequisites:
            if isinstance(slug, str) and slug not in known:
                problems.append(
                    error(
                        file,
                        frontmatter.prerequisite_line(data, slug),
                        f'prerequisite "{slug}" is not a module folder in content/modules — check '
                        "the spelling or remove it",
                    )
                )
    return problems


def _replaces_rules(data: LineDict, file: str, slug: str, known: frozenset[str] | None) -> list[Problem]:
    """replaces: names another module folder, and only a draft may say it (see catalog.replacement_notes)."""
    target = data.get("replaces")
    if not isinstance(target, str):
        return []
    line = data.line_of("replaces")
    if target == slug:
        return [error(file, line, "a module cannot replace itself — remove the replaces: line")]
    if data.get("status") != "draft":
        return [error(file, line, f"replaces: {target} is only for a draft of the next version — keep status: "
                                  f"draft, and publish it with .venv/bin/flask --app wsgi content publish {slug}")]
    if known is not None and target not in known:
        return [error(file, line, f'replaces "{target}", but there is no module folder of that name in '
                                  "content/modules — check the spelling")]
    return []


def _question_pages(quiz: QuizBank | None, pages: list[Page], file: str) -> list[Problem]:
    """Each question's page: must name one of the lesson's pages (its ## heading, exactly)."""
    if quiz is None:
        return []
    titles = [page.title for page in pages]
    return [
        error(
            file,
            question.page_line,
            f'question "{question.id}" has page: "{question.page}", but the lesson has no page with that title — '
            f"copy the title of its ## heading exactly (the pages are: {'; '.join(titles)})",
        )
        for question in quiz.questions
        if question.page is not None and question.page not in titles
    ]


def _content_hash(files: _Files) -> str:
    """sha256 over module.md, quiz.yaml and images by name, so any edited file changes it."""
    parts = {"module.md": files.module_md, "quiz.yaml": files.quiz_yaml}
    parts.update({name: image.data for name, image in files.images.items()})
    digest = hashlib.sha256()
    for name in sorted(parts):
        data = parts[name]
        if data is not None:
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()
