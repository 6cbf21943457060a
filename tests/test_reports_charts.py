"""Server-drawn SVG charts: well-formed, described for screen readers, escaped, CSP-safe, drawn to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from markupsafe import Markup

from training_portal.reports.charts import LEVEL_FILLS, bar_chart, before_after, weekly_columns
from training_portal.reports.suppression import share

SVG = "{http://www.w3.org/2000/svg}"


def _parse(chart: Markup) -> ET.Element:
    assert isinstance(chart, Markup)
    return ET.fromstring(str(chart))  # noqa: S314 - our own output, parsed to check it


def _desc(root: ET.Element) -> str:
    return root.find(f"{SVG}desc").text  # type: ignore[union-attr]


def _rects(root: ET.Element, css_class: str) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == css_class]


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


MONDAYS = [date(2025, 3, 3) + timedelta(weeks=i) for i in range(3)]


def _all_charts() -> list[Markup]:
    return [
        bar_chart("Trained", "Share trained", [("A", 80.0), ("B", share(2, 3)), ("C", None)], target=75),
        weekly_columns("Passes", "Passes per week", [(MONDAYS[0], 12), (MONDAYS[1], 3), (MONDAYS[2], None)]),
        before_after("Confidence", "Before and after", [2, 3, 5, 6, 4], [1, 1, 1, 0, 0]),
    ]


@pytest.mark.parametrize("chart", _all_charts())
def test_every_chart_is_an_image_named_by_its_title_and_described(chart):
    root = _parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"{SVG}title").get("id") == title_id  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").get("id") == desc_id  # type: ignore[union-attr]
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 400 ")
    assert root.get("height") is None  # the height follows the width


@pytest.mark.parametrize("chart", _all_charts())
def test_no_style_script_or_outside_reference_anywhere(chart):
    text = str(chart)
    assert "<script" not in text and "<style" not in text and "url(" not in text
    for element in _parse(chart).iter():
        assert element.tag.removeprefix(SVG) not in {"script", "style", "foreignObject", "image", "use", "a"}
        for name in element.attrib:
            assert name != "style"
            assert "href" not in name
            assert not name.startswith("on")


def test_labels_and_titles_are_escaped():
    chart = bar_chart("Pubs <script>alert(1)</script>", "Bars & <clubs>", [("Bar & <Grill>", 50.0)])
    text = str(chart)
    assert "Bar &amp; &lt;Grill&gt;" in text
    assert "<Grill>" not in text and "<script>" not in text
    root = _parse(chart)
    assert "Bar & <Grill>" in _texts(root)
    assert root.find(f"{SVG}title").text == "Pubs <script>alert(1)</script>"  # type: ignore[union-attr]
    assert _desc(root).startswith("Bars & <clubs>.")


def test_quotes_in_a_chart_id_cannot_break_out_of_the_attribute():
    root = _parse(bar_chart("T", "D", [("a", 1.0)], chart_id='x" onload="alert(1)'))
    assert root.get("onload") is None


def test_bar_lengths_are_proportional_to_the_values():
    root = _parse(bar_chart("Pass rate", "By module", [("full", 100.0), ("a", 80.0), ("b", 40.0), ("c", 0.0)]))
    widths = [float(r.get("width", "")) for r in _rects(root, "bar")]
    assert widths[1] / widths[0] == pytest.approx(0.8)
    assert widths[2] / widths[0] == pytest.approx(0.4)
    assert widths[3] == 0


def test_a_bar_chart_describes_every_value_and_the_target():
    root = _parse(bar_chart("Trained", "Share of staff trained", [("The Crown", share(8, 10)), ("Tiny", share(2, 3)),
                                                                    ("New", None)], target=75))
    assert _desc(root) == "Share of staff trained. The Crown: 80%; Tiny: fewer than 5; New: no data; target 75%."


def test_a_withheld_bar_has_no_length_and_says_fewer_than_5():
    root = _parse(bar_chart("Trained", "Share trained", [("Tiny", share(2, 3)), ("Big", share(8, 10))]))
    assert len(_rects(root, "bar")) == 1  # only Big has a length
    (outline,) = _rects(root, "bar-withheld")
    assert outline.get("fill") == "none"
    assert outline.get("stroke-dasharray")
    assert "fewer than 5" in _texts(root)
    assert "80%" in _texts(root)


def test_the_target_line_sits_where_a_bar_of_that_value_ends():
    root = _parse(bar_chart("Trained", "Share trained", [("on target", 75.0)], target=75))
    (bar,) = _rects(root, "bar")
    (line,) = [e for e in root.iter(f"{SVG}line") if e.get("class") == "target"]
    assert float(line.get("x1", "")) == pytest.approx(float(bar.get("x", "")) + float(bar.get("width", "")))
    assert line.get("stroke-dasharray")
    assert "target 75%" in _texts(root)


def test_weekly_columns_are_to_scale_and_a_small_week_is_an_outline():
    weeks = [(MONDAYS[0], 10), (MONDAYS[1], 20), (MONDAYS[2], 3)]
    root = _parse(weekly_columns("Passes", "Modules passed each week", weeks))
    heights = [float(r.get("height", "")) for r in _rects(root, "column")]
    assert len(heights) == 2
    assert heights[1] == pytest.approx(2 * heights[0])
    (outline,) = _rects(root, "column-withheld")
    assert outline.get("fill") == "none"
    assert _desc(root) == ("Modules passed each week. week beginning 3 Mar 2025: 10; "
                           "week beginning 10 Mar 2025: 20; week beginning 17 Mar 2025: fewer than 5.")


def test_weekly_columns_label_a_few_dates_ending_with_the_latest_week():
    weeks = [(date(2024, 9, 9) + timedelta(weeks=i), i) for i in range(26)]
    texts = _texts(_parse(weekly_columns("Passes", "Per week", weeks)))
    dates = [t for t in texts if t[-3:] in {"Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"}]
    assert 4 <= len(dates) <= 7
    assert "3 Mar" in dates  # the 26th week


def test_before_after_segments_are_shares_of_each_bar():
    root = _parse(before_after("Confidence", "How confident staff felt", [2, 3, 5, 6, 4], [0, 1, 4, 8, 7]))
    segments = _rects(root, "segment")
    before, after = segments[:5], segments[5:]
    before_widths = [float(r.get("width", "")) for r in before]
    assert [w / sum(before_widths) for w in before_widths] == pytest.approx([0.10, 0.15, 0.25, 0.30, 0.20])
    assert len(after) == 4  # nobody at level 1 after: no segment
    assert [r.get("fill") for r in after] == list(LEVEL_FILLS[1:])
    assert sum(float(r.get("width", "")) for r in after) == pytest.approx(sum(before_widths))
    assert _desc(root) == ("How confident staff felt. Before: 20 answers (1: 10%, 2: 15%, 3: 25%, 4: 30%, 5: 20%); "
                           "After: 20 answers (1: 0%, 2: 5%, 3: 20%, 4: 40%, 5: 35%).")


def test_before_after_built_on_fewer_than_5_people_is_an_outline():
    root = _parse(before_after("Confidence", "Before and after", [3, 2, 1, 1, 1], [0, 0, 2, 3, 3],
                               people=(4, None)))
    assert len(_rects(root, "bar-withheld")) == 1
    assert len(_rects(root, "segment")) == 3  # only the after bar is drawn
    assert "Before: fewer than 5 people" in _desc(root)
    assert "After: 8 answers" in _desc(root)


def test_a_before_after_bar_withheld_as_a_total_is_an_outline_saying_not_shown():
    root = _parse(before_after("Confidence", "Before and after", [3, 2, 1, 1, 1], [0, 0, 2, 3, 3],
                               withheld=(True, False)))
    assert len(_rects(root, "bar-withheld")) == 1
    assert "Before: not shown" in _desc(root) and "8 answers" in _desc(root)
    assert "Before: 8 answers" not in _desc(root)


def test_before_after_without_answers_says_so():
    root = _parse(before_after("Confidence", "Before and after", [0, 0, 0, 0, 0], [0, 0, 2, 3, 3]))
    assert "no answers" in _texts(root)
    assert _desc(root).startswith("Before and after. Before: no answers; After: 8 answers")


def test_before_after_needs_one_count_per_label():
    with pytest.raises(ValueError):
        before_after("Confidence", "x", [1, 2, 3], [1, 2, 3, 4, 5])


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        hex_ = colour.lstrip("#")
        hex_ = "".join(c * 2 for c in hex_) if len(hex_) == 3 else hex_
        channels = [int(hex_[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b_ = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("chart", _all_charts())
def test_text_is_aa_and_shapes_stand_out_from_white(chart):
    root = _parse(chart)
    default = root.get("fill", "")
    for text in root.iter(f"{SVG}text"):
        fill = text.get("fill", default)
        if fill.lower() in {"#fff", "#ffffff"}:  # white text sits on a segment
            assert all(_contrast(fill, segment) >= 4.5 for segment in LEVEL_FILLS)
        else:
            assert _contrast(fill, "#fff") >= 4.5, fill
    for rect in root.iter(f"{SVG}rect"):
        shape = rect.get("fill") if rect.get("fill") != "none" else rect.get("stroke")
        assert _contrast(shape or "", "#fff") >= 3, shape


def test_two_charts_on_a_page_do_not_share_ids_and_an_id_can_be_given():
    first, second = (_parse(bar_chart(t, "d", [("a", 1.0)])) for t in ("One", "Two"))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")
    given = _parse(bar_chart("One", "d", [("a", 1.0)], chart_id="coverage"))
    assert given.get("aria-labelledby") == "coverage-title coverage-desc"
