"""The programme report for a board meeting, as PDF. Pure: data + design in, bytes out.

Same look as the certificates and the training register (the design's fonts, colours and
issuer). Charts are ReportLab drawings of plain rectangles; every value drawn is also printed
in the table that follows it, and every figure arrives already suppressed (texts such as
"fewer than 5"): a withheld value is drawn as an empty dashed outline, never with a length.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from training_portal.certificates.design import Design
from training_portal.certificates.layout import shrink_to_width
from training_portal.certificates.pdf import long_date

PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
CONTENT_W = PAGE_W - 2 * MARGIN - 12  # the frame pads each side by 6 points
CELL_SIZE = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: withheld or no data (`text` says which); never drawn with a length
    text: str


@dataclass(frozen=True)
class Chart:
    title: str
    bars: tuple[Bar, ...]
    columns: bool = False  # weekly columns (a count scale) rather than horizontal bars of percent
    target: float | None = None


@dataclass(frozen=True)
class PdfTable:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[PdfTable, ...] = ()


@dataclass(frozen=True)
class ReportData:
    period: str  # e.g. "1 June 2026 to 30 November 2026"
    area: str  # e.g. "Every area"
    generated_on: date
    sections: tuple[Section, ...]


def render_programme_report(data: ReportData, design: Design) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, invariant=1, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=18 * mm, title="Programme report",
                            author=design.issuer, subject=f"{data.period} · {data.area}", creator="training-portal")
    styles = _styles(design)
    story: list[Flowable] = [
        _para("Programme report", styles["title"]),
        _para(design.issuer, styles["issuer"]),
        _para(f"Period: {data.period}. Area: {data.area}.", styles["fact"]),
        _para(f"Generated on {long_date(data.generated_on)}. Figures about fewer than 5 people are shown as "
              "“fewer than 5”; a total that would give one away is “not shown”. No person is named.",
              styles["small"]),
    ]
    for section in data.sections:
        story.extend(_section(section, styles, design))

    def footer(canvas: Canvas, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFillColor(design.colours.muted)
        text = f"Programme report · {data.period} · {data.area}"
        canvas.setFont(design.font_regular, shrink_to_width(text, design.font_regular, CONTENT_W * 0.8, 8.5))
        canvas.drawString(MARGIN + 6, 10 * mm, text)
        canvas.drawRightString(PAGE_W - MARGIN - 6, 10 * mm, f"Page {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _section(section: Section, styles: dict[str, ParagraphStyle], design: Design) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(50 * mm), _para(section.heading, styles["heading"])]
    out.extend(_para(text, styles["fact"]) for text in section.paragraphs)
    for chart in section.charts:
        out.append(KeepTogether([_para(chart.title, styles["label"]), _drawing(chart, design), Spacer(1, 3 * mm)]))
    for table in section.tables:
        out.extend([_para(table.caption, styles["label"]), _table(table, styles, design), Spacer(1, 4 * mm)])
    return out


def _styles(design: Design) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("cell", fontName=design.font_regular, fontSize=CELL_SIZE, leading=CELL_SIZE + 2,
                          textColor=design.colours.text)

    def derived(name: str, **changes: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **changes)

    bold = design.font_bold
    return {
        "cell": base,
        "head": derived("head", fontName=bold, textColor=design.colours.primary),
        "title": derived("title", fontName=bold, fontSize=22, leading=26, textColor=design.colours.primary),
        "issuer": derived("issuer", fontName=bold, fontSize=12, leading=16),
        "heading": derived("heading", fontName=bold, fontSize=15, leading=19, spaceBefore=10, spaceAfter=4,
                           textColor=design.colours.primary),
        "label": derived("label", fontName=bold, fontSize=10, leading=13, spaceBefore=4, spaceAfter=2),
        "fact": derived("fact", fontSize=10, leading=13, spaceAfter=3),
        "small": derived("small", fontSize=8.5, leading=11, textColor=design.colours.muted, spaceAfter=6),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(" ".join(text.split())), style)


def _table(table: PdfTable, styles: dict[str, ParagraphStyle], design: Design) -> Flowable:
    if not table.rows:
        return _para("Nothing to show for this period and area.", styles["fact"])
    header = [Paragraph(escape(h), styles["head"]) for h in table.header]
    # Long labels (venue, module) wrap; figures are short and stay plain strings (fast to lay out).
    body = [[Paragraph(escape(row[0]), styles["cell"]), *row[1:]] for row in table.rows]
    first_w = min(CONTENT_W * 0.34, max(CONTENT_W / len(table.header), 40 * mm))
    rest = (CONTENT_W - first_w) / max(len(table.header) - 1, 1)
    result = Table([header, *body], colWidths=[first_w] + [rest] * (len(table.header) - 1), repeatRows=1)
    result.setStyle([
        ("FONT", (1, 1), (-1, -1), design.font_regular, CELL_SIZE, CELL_SIZE + 2),
        ("TEXTCOLOR", (1, 1), (-1, -1), design.colours.text),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEBELOW", (0, 0), (-1, 0), 1, design.colours.primary),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, design.colours.muted),
    ])
    return result


def _drawing(chart: Chart, design: Design) -> Drawing:
    return _columns(chart, design) if chart.columns else _bars(chart, design)


def _bars(chart: Chart, design: Design) -> Drawing:
    """Horizontal bars on a 0–100 % scale, value printed after each; a target as a dashed line."""
    row_h, label_w = 16.0, CONTENT_W * 0.34
    track = CONTENT_W - label_w - 60
    height = row_h * max(len(chart.bars), 1) + 14
    drawing = Drawing(CONTENT_W, height)
    font, colours = design.font_regular, design.colours
    for i, bar in enumerate(chart.bars):
        y = height - 14 - (i + 1) * row_h + 3
        label = bar.label
        drawing.add(String(0, y + 3, label, fontName=font,
                           fontSize=shrink_to_width(label, font, label_w - 6, 8), fillColor=colours.text))
        x = label_w
        if bar.value is None:
            drawing.add(_rect(x, y, track, row_h - 5, fillColor=None, strokeColor=colours.muted,
                             strokeDashArray=[3, 2], strokeWidth=0.6))
            drawing.add(String(x + 4, y + 3, bar.text, fontName=font, fontSize=7.5, fillColor=colours.muted))
            continue
        width = max(0.0, min(bar.value, 100.0)) / 100 * track
        drawing.add(_rect(x, y, width, row_h - 5, fillColor=colours.primary, strokeColor=None))
        drawing.add(String(x + width + 4, y + 3, bar.text, fontName=font, fontSize=8, fillColor=colours.text))
    if chart.target is not None:
        tx = label_w + max(0.0, min(chart.target, 100.0)) / 100 * track
        drawing.add(Line(tx, 0, tx, height - 12, strokeColor=colours.text, strokeWidth=1.2, strokeDashArray=[4, 3]))
        drawing.add(String(tx, height - 10, f"target {chart.target:.0f}%", fontName=font, fontSize=7.5,
                           fillColor=colours.text, textAnchor="middle"))
    return drawing


def _columns(chart: Chart, design: Design) -> Drawing:
    """One column per week; the scale's top is the largest shown value (at least 5)."""
    height, base, left = 110.0, 16.0, 28.0
    drawing = Drawing(CONTENT_W, height)
    font, colours = design.font_regular, design.colours
    top = max([b.value for b in chart.bars if b.value is not None] + [5.0])
    slot = (CONTENT_W - left) / max(len(chart.bars), 1)
    scale = (height - base - 8) / top
    drawing.add(String(left - 4, height - 12, f"{top:,.0f}", fontName=font, fontSize=7, fillColor=colours.muted,
                       textAnchor="end"))
    drawing.add(String(left - 4, base, "0", fontName=font, fontSize=7, fillColor=colours.muted, textAnchor="end"))
    every = max(1, -(-len(chart.bars) // 6))
    for i, bar in enumerate(chart.bars):
        x = left + i * slot + slot * 0.15
        if bar.value is not None:
            drawing.add(_rect(x, base, slot * 0.7, bar.value * scale, fillColor=colours.primary, strokeColor=None))
        elif bar.text != "0":
            drawing.add(_rect(x, base, slot * 0.7, 4 * scale, fillColor=None, strokeColor=colours.muted,
                             strokeDashArray=[2, 2], strokeWidth=0.5))
        if (len(chart.bars) - 1 - i) % every == 0:
            drawing.add(String(x + slot * 0.35, 3, bar.label, fontName=font, fontSize=7, fillColor=colours.muted,
                               textAnchor="middle"))
    drawing.add(Line(left, base, CONTENT_W, base, strokeColor=colours.muted, strokeWidth=0.6))
    return drawing



def _rect(x: float, y: float, width: float, height: float, **style: Any) -> Rect:
    """A Rect with style set after construction (the type stubs do not know Rect's keywords)."""
    rect = Rect(x, y, width, height)
    rect.setProperties(style)
    return rect
