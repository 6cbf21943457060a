"""Charts drawn on the server as inline SVG: no JavaScript, no chart library, nothing fetched.

They must pass the site's CSP (`default-src 'self'; style-src 'self'`), so there is no `style`
attribute and no `<style>` element: colours, dashes and fonts are SVG presentation attributes.
Each chart is an image to assistive technology (`role="img"`), named by its `<title>` and
described by its `<desc>`, which repeats every value drawn, so nothing is only in the picture.
All text is escaped. The viewBox is 400 units wide and the SVG fills its container's width,
so it fits a 360 px phone; text is ink or muted grey on white, or white on the darker palette
colours (all AA). A count or share withheld by `suppression` is drawn as an empty dashed
outline, never with a length, and labelled as such.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from training_portal.reports.suppression import SMALL, THRESHOLD, Figure, count, share

# The palette of static/site.css (:root). Text colours and fills are all 4.5:1 or more against white.
INK, MUTED, ACCENT, OK, WARN, BAD = "#1b1b1f", "#555a64", "#5b2a86", "#1d6b35", "#8a4b00", "#a4161a"
GRID = "#d5d7dd"  # decorative lines only
WHITE = "#fff"
LEVEL_FILLS = (BAD, WARN, MUTED, ACCENT, OK)  # confidence 1 (least) to 5 (most)
TEXT_COLOURS = (INK, MUTED, WHITE)

WIDTH = 400
PAD = 8
FONT = "system-ui, sans-serif"
NO_DATA = "no data"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Value = Figure | float | None


def bar_chart(title: str, desc: str, bars: Sequence[tuple[str, Value]], unit: str = "%",
              max_value: float = 100, target: float | None = None, chart_id: str | None = None) -> Markup:
    """Horizontal bars, one per label (coverage per venue, pass rate per module), with an optional target line.

    A plain number is drawn as given (`unit` follows it; "%" is printed in whole percent,
    rounded down like `Figure.text`); pass a `Figure` to have the small-number rule applied.
    """
    if max_value <= 0:
        raise ValueError("max_value must be positive")
    label_h, bar_h, gap = 18, 20, 12
    track = WIDTH - 2 * PAD - 64  # room on the right for the value
    top = 24 if target is not None else 4
    body: list[str] = []
    for i, (label, value) in enumerate(bars):
        y = top + i * (label_h + bar_h + gap)
        body.append(_text(PAD, y + 14, label))
        body.extend(_bar(PAD, y + label_h, bar_h, track, value, unit, max_value))
    bottom = top + len(bars) * (label_h + bar_h + gap)
    body.append(_el("line", x1=PAD, y1=top, x2=PAD, y2=max(bottom - gap, top + 1), stroke=MUTED))
    if not bars:
        body.append(_text(PAD, top + 14, NO_DATA, fill=MUTED))
        bottom += 24
    if target is not None:
        body.extend(_target_line(PAD + min(max(target, 0), max_value) / max_value * track, top, bottom - gap,
                                 _number_text(target, unit)))
    summary = "; ".join(f"{label}: {_value_text(value, unit)}" for label, value in bars) or NO_DATA
    if target is not None:
        summary += f"; target {_number_text(target, unit)}"
    return _svg(title, f"{_sentence(desc)} {summary}.", bottom + 4, body, chart_id or _id(title, desc, bars))


def weekly_columns(title: str, desc: str, weeks: Sequence[tuple[date, int | Figure | None]],
                   chart_id: str | None = None, label_every: int | None = None) -> Markup:
    """One column per week (e.g. 26 weeks of completions), dated under a few of them.

    A plain int is a count of people and goes through `count`, so a 3 is drawn as
    "fewer than 5": a dashed outline up to 4 (the most it can be), never its own height.
    """
    figures = [(monday, count(v) if isinstance(v, int) else v) for monday, v in weeks]
    left, right, top, base = 44.0, WIDTH - 24.0, 12.0, 180.0
    y_max = _nice_ceiling(max((f.value or 0 for _, f in figures if f is not None and not f.suppressed), default=0))
    height = base - top
    body = _y_axis(left, right, top, base, y_max)
    slot = (right - left) / max(len(figures), 1)
    every = label_every or max(1, math.ceil(len(figures) / 6))
    for i, (monday, figure) in enumerate(figures):
        x = left + i * slot + slot * 0.15
        if figure is not None and not figure.suppressed:
            h = (figure.value or 0) / y_max * height
            body.append(_el("rect", x=x, y=base - h, width=slot * 0.7, height=h, fill=ACCENT, class_="column"))
        elif figure is not None and figure.withheld == SMALL:
            h = max((THRESHOLD - 1) / y_max * height, 4)
            body.append(_el("rect", x=x, y=base - h, width=slot * 0.7, height=h, fill="none", stroke=MUTED,
                            stroke_dasharray="3 2", class_="column-withheld"))
        if (len(figures) - 1 - i) % every == 0:
            body.append(_text(left + (i + 0.5) * slot, base + 16, _short_date(monday), fill=MUTED, font_size=13,
                              text_anchor="middle"))
    body.append(_el("line", x1=left, y1=base, x2=right, y2=base, stroke=MUTED))
    total_height = base + 26
    if any(f is not None and f.withheld == SMALL for _, f in figures):
        body.extend(_withheld_key(left, total_height + 14, f"fewer than {THRESHOLD}"))
        total_height += 24
    summary = "; ".join(f"week beginning {_long_date(monday)}: {_value_text(f, '')}" for monday, f in figures)
    return _svg(title, f"{_sentence(desc)} {summary or NO_DATA}.", total_height, body,
                chart_id or _id(title, desc, weeks))


def before_after(title: str, desc: str, before: Sequence[int], after: Sequence[int],
                 labels: Sequence[str] = ("1", "2", "3", "4", "5"), names: tuple[str, str] = ("Before", "After"),
                 people: tuple[int | None, int | None] = (None, None), chart_id: str | None = None,
                 withheld: tuple[bool, bool] = (False, False)) -> Markup:
    """Two 100 % bars: the share of answers at each level (e.g. confidence 1–5) before and after.

    `before`/`after` are counts of answers per level; `people` the people behind each when
    that differs from the number of answers (one person answering for several modules). A
    bar built on fewer than 5 people is drawn as an empty outline, and so is one `withheld` says
    is "not shown" (a total that would give a small group beside it away).
    """
    if not len(before) == len(after) == len(labels) or len(labels) > len(LEVEL_FILLS):
        raise ValueError(f"one count per label, and at most {len(LEVEL_FILLS)} levels")
    bar_h, track = 28, WIDTH - 2 * PAD
    body: list[str] = []
    summaries = []
    y: float = 4
    for name, counts, n_people, not_shown in zip(names, (before, after), people, withheld, strict=True):
        total = sum(counts)
        shares = [share(c, total, people=n_people) for c in counts]
        small = shares[0].suppressed if shares else True
        hidden = not_shown or small
        empty = "no answers" if total == 0 else f"fewer than {THRESHOLD} people" if small else "not shown"
        heading = f"{name}: {empty}" if hidden else f"{name}: {total:,} answers"
        body.append(_text(PAD, y + 14, heading))
        body.extend(_stacked(PAD, y + 20, bar_h, track, shares, empty if hidden else None))
        summaries.append(heading + ("" if hidden else " (" + ", ".join(
            f"{label}: {figure.text()}" for label, figure in zip(labels, shares, strict=True)) + ")"))
        y += 20 + bar_h + 14
    legend, y = _legend(labels, y + 4)
    body.extend(legend)
    return _svg(title, f"{_sentence(desc)} {'; '.join(summaries)}.", y, body,
                chart_id or _id(title, desc, before, after, labels))


# --- drawing pieces -----------------------------------------------------------------------------

def _bar(x: float, y: float, h: float, track: float, value: Value, unit: str, max_value: float) -> list[str]:
    if value is None:
        return [_text(x + 6, y + 15, NO_DATA, fill=MUTED)]
    if isinstance(value, Figure) and value.suppressed:
        return [_el("rect", x=x, y=y, width=track, height=h, fill="none", stroke=MUTED, stroke_dasharray="4 3",
                    class_="bar-withheld"),
                _text(x + 6, y + 15, value.text(), fill=MUTED)]
    number = float(value.value or 0) if isinstance(value, Figure) else float(value)
    width = min(max(number, 0), max_value) / max_value * track
    return [_el("rect", x=x, y=y, width=width, height=h, fill=ACCENT, class_="bar"),
            _text(x + width + 6, y + 15, _value_text(value, unit))]


def _target_line(x: float, top: float, bottom: float, label: str) -> list[str]:
    """Dashed, on a white halo so it shows over the bars."""
    anchor = "end" if x > WIDTH - 60 else "start" if x < 60 else "middle"
    return [_el("line", x1=x, y1=top - 4, x2=x, y2=bottom, stroke=WHITE, stroke_width=5),
            _el("line", x1=x, y1=top - 4, x2=x, y2=bottom, stroke=INK, stroke_width=2, stroke_dasharray="6 4",
                class_="target"),
            _text(x, top - 8, f"target {label}", text_anchor=anchor)]


def _y_axis(left: float, right: float, top: float, base: float, y_max: int) -> list[str]:
    ticks = [0, y_max // 2, y_max] if y_max % 2 == 0 else [0, y_max]
    out = []
    for tick in ticks:
        y = base - tick / y_max * (base - top)
        if tick:
            out.append(_el("line", x1=left, y1=y, x2=right, y2=y, stroke=GRID))
        out.append(_text(left - 6, y + 4, f"{tick:,}", fill=MUTED, font_size=13, text_anchor="end"))
    return out


def _stacked(x: float, y: float, h: float, track: float, shares: list[Figure], withheld: str | None) -> list[str]:
    """Segments side by side; or, when `withheld` says why, an empty outline saying so."""
    if withheld is not None:
        return [_el("rect", x=x, y=y, width=track, height=h, fill="none", stroke=MUTED, stroke_dasharray="4 3",
                    class_="bar-withheld"),
                _text(x + 6, y + 19, withheld, fill=MUTED)]
    out = []
    for level, figure in enumerate(shares):
        width = (figure.value or 0) / 100 * track
        if width > 0:
            out.append(_el("rect", x=x, y=y, width=width, height=h, fill=LEVEL_FILLS[level], stroke=WHITE,
                           class_="segment"))
            if width >= 34:
                out.append(_text(x + width / 2, y + 19, figure.text(), fill=WHITE, font_size=13,
                                 font_weight="700", text_anchor="middle"))
        x += width
    return out


def _legend(labels: Sequence[str], y: float) -> tuple[list[str], float]:
    """Side by side when the labels are short, one per line otherwise."""
    out = []
    across = all(len(label) <= 8 for label in labels)
    step = (WIDTH - 2 * PAD) / max(len(labels), 1)
    for i, label in enumerate(labels):
        x, row_y = (PAD + i * step, y) if across else (PAD, y + i * 20)
        out.append(_el("rect", x=x, y=row_y, width=14, height=14, fill=LEVEL_FILLS[i], class_="key"))
        out.append(_text(x + 20, row_y + 12, label))
    return out, y + (20 if across else 20 * len(labels)) + 4


def _withheld_key(x: float, y: float, label: str) -> list[str]:
    return [_el("rect", x=x, y=y - 11, width=10, height=12, fill="none", stroke=MUTED, stroke_dasharray="3 2"),
            _text(x + 16, y, label, fill=MUTED, font_size=12)]


# --- text and markup ----------------------------------------------------------------------------

def _value_text(value: Value, unit: str) -> str:
    if value is None:
        return NO_DATA
    if isinstance(value, Figure):
        return value.text()
    return _number_text(value, unit)


def _number_text(number: float, unit: str) -> str:
    if unit == "%":
        return f"{math.floor(number)}%"
    shown = f"{number:,.0f}" if float(number).is_integer() else f"{number:,.1f}"
    return f"{shown}{unit}"


def _nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above value, and at least 5 (the scale a withheld count is drawn on)."""
    nice = THRESHOLD
    magnitude = 1
    while nice < value:
        for step in (1, 2, 5):
            nice = step * magnitude * 10
            if nice >= value:
                break
        magnitude *= 10
    return nice


def _short_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]}"


def _long_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?:" else text + "."


def _id(*parts: object) -> str:
    """Stable and distinct per chart, so several charts on a page never share an id."""
    return "chart-" + hashlib.sha256(repr(parts).encode()).hexdigest()[:10]


def _num(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


def _el(tag: str, text: str | None = None, **attrs: object) -> str:
    """An element; keyword_names become keyword-names (class_ becomes class); numbers are rounded."""
    rendered = "".join(
        f" {name.rstrip('_').replace('_', '-')}={quoteattr(_num(v) if isinstance(v, float) else str(v))}"
        for name, v in attrs.items())
    return f"<{tag}{rendered}/>" if text is None else f"<{tag}{rendered}>{escape(text)}</{tag}>"


def _text(x: float, y: float, text: str, **attrs: object) -> str:
    return _el("text", text, x=float(x), y=float(y), **attrs)


def _svg(title: str, desc: str, height: float, body: list[str], chart_id: str) -> Markup:
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_num(float(height))}" width="100%"'
           f' role="img" aria-labelledby={quoteattr(f"{chart_id}-title {chart_id}-desc")}'
           f' font-family={quoteattr(FONT)} font-size="14" fill={quoteattr(INK)}>'
           + _el("title", title, id=f"{chart_id}-title") + _el("desc", desc, id=f"{chart_id}-desc")
           + "".join(body) + "</svg>")
    return Markup(svg)  # noqa: S704 - every piece of text in it went through escape() or quoteattr()
