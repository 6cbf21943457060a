"""The lesson body of module.md: split into pages at `## ` headings, check it, render each page.

Works on markdown-it tokens, so a `## ` inside a code block never starts a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote

from markdown_it.token import Token

from training_portal.modules import markdown
from training_portal.modules.content import Page
from training_portal.modules.files import IMAGE_SUFFIXES
from training_portal.problems import Problem, error, warning

PAGE_WORD_LIMIT = 350
SENTENCE_WORD_LIMIT = 30
_WORD = re.compile(r"\w+(?:['’.-]\w+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+")
_COMMENT = re.compile(r"\s*<!--.*?-->\s*", re.DOTALL)
_IMAGE_LEFT_AS_TEXT = re.compile(r"!\[[^\]]*\]\(\s*([^)<>]*?\s[^)<>]*?)\s*\)")
_LINK_SCHEME = re.compile(r"\]\(\s*<?\s*([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass
class BodyCheck:
    """Everything about one lesson body: pages, problems, and the images it used."""

    file: str
    first_line: int
    image_url: Callable[[str], str]  # filename → URL
    images: frozenset[str]  # image files in the module folder that loaded without problems
    broken_images: frozenset[str] = frozenset()  # image files whose own problem is already reported
    pages: list[Page] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    used_images: set[str] = field(default_factory=set)
    image_srcs: set[str] = field(default_factory=set)

    def line(self, token: Token) -> int | None:
        return self.first_line + token.map[0] if token.map else None

    def error(self, token: Token | None, message: str) -> None:
        self.problems.append(error(self.file, self.line(token) if token else self.first_line, message))

    def warn(self, token: Token, message: str) -> None:
        self.problems.append(warning(self.file, self.line(token), message))


def check_body(body: str, check: BodyCheck) -> BodyCheck:
    tokens = markdown.parse(body)
    start = _first_page_heading(tokens)
    _check_preamble(tokens[:start], check)
    for token in tokens:
        if token.meta.get("unknown_callout"):
            check.error(
                token,
                f'unknown call-out "[!{token.meta["unknown_callout"]}]" — use [!TIP], [!WARNING] or [!ACTION]',
            )
    for heading, inline, page_tokens in _split(tokens, start):
        check.pages.append(_page(heading, inline, page_tokens, check))
    if not check.pages and not check.problems:
        check.error(None, "the lesson has no pages — start each page with a line like ## Page title")
    return check


def _first_page_heading(tokens: list[Token]) -> int:
    return next((i for i, t in enumerate(tokens) if _is_page_heading(t)), len(tokens))


def _is_page_heading(token: Token) -> bool:
    return token.type == "heading_open" and token.tag == "h2" and token.level == 0


def _check_preamble(tokens: list[Token], check: BodyCheck) -> None:
    for token in tokens:
        if token.type == "html_block" and not _COMMENT.sub("", token.content).strip():
            continue
        if token.nesting == -1 or token.level != 0:
            continue
        if token.type == "heading_open" and token.tag == "h1":
            message = "use ## (two #) for page titles — the module title comes from title: in the front matter"
        else:
            message = "text before the first page heading — start the lesson with a line like ## Page title"
        check.error(token, message)
        return


def _split(tokens: list[Token], start: int) -> Iterator[tuple[Token, Token, list[Token]]]:
    i = start
    while i < len(tokens):
        end = next((j for j in range(i + 3, len(tokens)) if _is_page_heading(tokens[j])), len(tokens))
        yield tokens[i], tokens[i + 1], tokens[i + 3 : end]
        i = end


def _page(heading: Token, inline: Token, tokens: list[Token], check: BodyCheck) -> Page:
    title = plain_text(inline).strip()
    if not title:
        check.error(heading, "this page heading has no title — write it after ##")
    words = 0
    for token in tokens:
        if token.type == "heading_open" and token.tag == "h1":
            check.warn(token, "use ### for a heading inside a page (# is bigger than the page title)")
        if token.type == "inline":
            words += _check_inline(token, check)
    if not tokens:
        check.warn(heading, f'page "{title}" is empty — add text or remove the heading')
    if words > PAGE_WORD_LIMIT:
        check.warn(
            heading,
            f'page "{title}" has {words} words — pages over {PAGE_WORD_LIMIT} words are '
            "hard to read on a phone; split it with another ## heading",
        )
    html = markdown.render(tokens, frozenset(check.image_srcs))
    return Page(title=title, html=html, word_count=words)


def _check_inline(inline: Token, check: BodyCheck) -> int:
    for scheme in _LINK_SCHEME.findall(inline.content):
        if scheme.lower() not in markdown.URL_SCHEMES:
            check.error(
                inline,
                f'a link to "{scheme}:" is not allowed (it could run code, and staff would see the raw '
                "text) — use an https:, http:, mailto: or tel: link, or remove it",
            )
    for child in inline.children or ():
        if child.type == "image":
            _check_image(child, inline, check)
    text = plain_text(inline)
    for name in _IMAGE_LEFT_AS_TEXT.findall(text):
        check.error(
            inline,
            f'image "{name}" has a space in its name, so staff would see this line as raw text — rename the file '
            f"without spaces, or write <{name}> in the round brackets",
        )
        check.used_images.add(name)  # meant to be used: no second message calling it unused
    for sentence in _SENTENCE_END.split(text):
        count = len(_WORD.findall(sentence))
        if count > SENTENCE_WORD_LIMIT:
            start = " ".join(sentence.split()[:6])
            check.warn(
                inline,
                f'a sentence of {count} words ("{start} …") — sentences over '
                f"{SENTENCE_WORD_LIMIT} words are hard to follow; split it in two",
            )
    return len(_WORD.findall(text))


def _check_image(image: Token, inline: Token, check: BodyCheck) -> None:
    src = unquote(str(image.attrGet("src") or ""))
    name = PurePosixPath(src).name
    problem = _image_problem(src, name, check)
    if problem:
        check.error(inline, problem)
    if problem or name in check.broken_images:  # a broken file already has its own error
        return
    if not image.content.strip():
        check.error(
            inline,
            f'image "{name}" has no alt text — describe the picture in the square brackets, '
            f"like ![A bartender covering a glass]({name})",
        )
    check.used_images.add(name)
    url = check.image_url(name)
    image.attrSet("src", url)
    check.image_srcs.add(url)


def _image_problem(src: str, name: str, check: BodyCheck) -> str | None:
    if not src or src != name or src.startswith(".") or "\\" in src or ":" in src:
        return (
            f'image "{src}" is not a file in this module\'s folder — put the picture in the module folder and '
            "write just its name, like ![What the picture shows](cover-glass.png)"
        )
    if PurePosixPath(name).suffix.lower() not in IMAGE_SUFFIXES:
        return f'image "{name}" is not a PNG, JPEG, GIF or WebP file — save it in one of those formats'
    if name not in check.images and name not in check.broken_images:
        return f'image "{name}" was not found in the module folder — check the file name (capital letters matter)'
    return None


def plain_text(inline: Token) -> str:
    parts: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)
