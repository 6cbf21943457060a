"""CommonMark (+ tables + call-outs) → HTML → nh3 allow-list. Called at load time only.

Call-outs are block quotes whose first line is `[!TIP]`, `[!WARNING]` or `[!ACTION]`; they render
as `<aside class="callout callout-tip"><p class="callout-title">Tip</p>…</aside>`. A block quote
with any other `[!WORD]` marker is left as a plain block quote and its token gets
`meta["unknown_callout"]`, so the loader can report it with its line.

Images: the caller rewrites each image token's `src` before `render`, and passes the set of
URLs it produced; any other `<img src>` (for example from a trainer's raw HTML) is dropped,
so a lesson page never loads anything from another site.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

CALLOUTS = {"TIP": "Tip", "WARNING": "Warning", "ACTION": "What to do"}
_MARKER = re.compile(r"^\[!([A-Za-z][A-Za-z_-]*)\][ \t]*")

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "b",
        "i",
        "s",
        "del",
        "sub",
        "sup",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "aside",
        "abbr",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "abbr": {"title"},
}
ALLOWED_CLASSES = {
    "aside": {"callout", *(f"callout-{name.lower()}" for name in CALLOUTS)},
    "p": {"callout-title"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def _callout_rule(state: StateCore) -> None:
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "blockquote_open" or i + 2 >= len(tokens) or tokens[i + 1].type != "paragraph_open":
            continue
        inline = tokens[i + 2]
        first = inline.children[0] if inline.children else None
        match = _MARKER.match(first.content) if first is not None and first.type == "text" else None
        if match is None:
            continue
        marker = match.group(1).upper()
        if marker not in CALLOUTS:
            token.meta["unknown_callout"] = match.group(1)
            continue
        _strip_marker(tokens, i, match.end())
        closing = _matching_close(tokens, i)
        token.meta["callout"] = closing.meta["callout"] = marker


def _strip_marker(tokens: list[Token], i: int, end: int) -> None:
    inline = tokens[i + 2]
    children = inline.children or []
    children[0].content = children[0].content[end:]
    if not children[0].content:
        children.pop(0)
        if children and children[0].type in ("softbreak", "hardbreak"):
            children.pop(0)
    if not children:  # the marker had a line to itself: drop the now-empty paragraph
        tokens[i + 1].hidden = tokens[i + 3].hidden = True


def _matching_close(tokens: list[Token], start: int) -> Token:
    depth = 0
    for token in tokens[start:]:
        depth += token.nesting if token.type.startswith("blockquote_") else 0
        if depth == 0:
            return token
    raise ValueError("unbalanced block quote")  # markdown-it always closes what it opens


def _render_blockquote_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    marker = tokens[idx].meta.get("callout")
    if marker is None:
        return "<blockquote>\n"
    return f'<aside class="callout callout-{marker.lower()}">\n<p class="callout-title">{CALLOUTS[marker]}</p>\n'


def _render_blockquote_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "</aside>\n" if tokens[idx].meta.get("callout") else "</blockquote>\n"


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.core.ruler.push("callouts", _callout_rule)
    md.add_render_rule("blockquote_open", _render_blockquote_open)
    md.add_render_rule("blockquote_close", _render_blockquote_close)
    return md


_MD = _build()


def parse(text: str) -> list[Token]:
    return _MD.parse(text)


def render(tokens: Sequence[Token], image_srcs: frozenset[str] = frozenset()) -> str:
    """Render tokens (already split into a page, image srcs already rewritten) to safe HTML."""
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                child.attrSet("loading", "lazy")
    return sanitise(_MD.renderer.render(tokens, _MD.options, {}), image_srcs)


def sanitise(html: str, image_srcs: frozenset[str] = frozenset()) -> str:
    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            return value if value in image_srcs else None
        return value

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes=set(URL_SCHEMES),
        allowed_classes=ALLOWED_CLASSES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown to safe HTML in one step (no page split, no images): for previews and tests."""
    return render(parse(text))
