"""Markdown rendering and the sanitiser: a trainer's raw HTML cannot inject anything active."""

from __future__ import annotations

import pytest

from training_portal.modules.markdown import parse, render, render_markdown, sanitise


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("<script>alert(1)</script>", "alert"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ('<a href="#" onclick="alert(1)">x</a>', "onclick"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ('<a href="javascript:alert(1)">click</a>', "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">click</a>', "alert"),
        ('<a href="data:text/html,<script>x</script>">click</a>', "data:"),
        ('<iframe src="https://example.com"></iframe>', "<iframe"),
        ("<style>body{display:none}</style>", "display:none"),
        ('<p style="position:fixed">x</p>', "style="),
        ('<object data="x.swf"></object>', "<object"),
        ('<form action="https://evil.example"><input name="pw"></form>', "<input"),
        ('<svg onload="alert(1)"></svg>', "onload"),
    ],
)
def test_sanitiser_removes_active_content(source: str, forbidden: str) -> None:
    assert forbidden not in render_markdown(source)


def test_links_keep_safe_schemes_and_get_rel() -> None:
    html = render_markdown(
        "[a](https://example.org) [b](http://example.org) [c](mailto:help@example.org) [d](tel:+441234567890)"
    )
    assert html.count('rel="noopener noreferrer"') == 4
    for href in ("https://example.org", "http://example.org", "mailto:help@example.org", "tel:+441234567890"):
        assert f'href="{href}"' in html


def test_unlisted_schemes_lose_their_href() -> None:
    assert render_markdown('<a href="ftp://example.org/file">f</a>') == '<p><a rel="noopener noreferrer">f</a></p>\n'


def test_class_is_kept_only_on_call_outs() -> None:
    html = render_markdown('<p class="callout big">x</p>\n\n<aside class="callout callout-tip evil">y</aside>')
    assert "big" not in html and "evil" not in html
    assert '<aside class="callout callout-tip">' in html


@pytest.mark.parametrize(
    ("marker", "kind", "heading"),
    [
        ("TIP", "tip", "Tip"),
        ("WARNING", "warning", "Warning"),
        ("ACTION", "action", "What to do"),
        ("tip", "tip", "Tip"),
    ],
)
def test_call_outs_render_as_asides_with_a_heading(marker: str, kind: str, heading: str) -> None:
    html = render_markdown(f"> [!{marker}]\n> Stay with them.\n")
    assert html == (
        f'<aside class="callout callout-{kind}">\n<p class="callout-title">{heading}</p>\n'
        "<p>Stay with them.</p>\n</aside>\n"
    )


def test_call_out_keeps_lists_inside() -> None:
    html = render_markdown("> [!ACTION]\n> 1. Stay with them.\n> 2. Tell your manager.\n")
    assert "<ol>\n<li>Stay with them.</li>\n<li>Tell your manager.</li>\n</ol>" in html
    assert "[!ACTION]" not in html


def test_unknown_marker_stays_a_block_quote_and_is_flagged() -> None:
    tokens = parse("> [!NOTE]\n> x\n")
    assert tokens[0].meta == {"unknown_callout": "NOTE"}
    assert render(tokens).startswith("<blockquote>")


def test_ordinary_block_quote_is_untouched() -> None:
    assert render_markdown("> Just a quote.") == "<blockquote>\n<p>Just a quote.</p>\n</blockquote>\n"


def test_images_keep_only_the_sources_the_loader_produced() -> None:
    html = sanitise(
        '<img src="/modules/a/images/x.png" alt="x"><img src="https://tracker.example/p.gif" alt="y">',
        frozenset({"/modules/a/images/x.png"}),
    )
    assert html == '<img src="/modules/a/images/x.png" alt="x"><img alt="y">'


def test_tables_render() -> None:
    html = render_markdown("| a | b |\n| --- | --: |\n| 1 | 2 |\n")
    assert "<table>" in html and "<td>2</td>" in html and "style" not in html
