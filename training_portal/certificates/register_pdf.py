"""A venue's training register as a PDF, for a licensing officer at an inspection.

Pure: data + design in, bytes out; no Flask request, no database. Same look as the
certificates and the personal training record (the design's embedded fonts, colours and
issuer), A4 landscape so seven columns fit without cramped wrapping.

An officer spot-checks single rows, often on one loose page, so every row carries the
person's name, every page repeats the table header, names the venue (after page 1), says
"Page X of Y" and where any certificate code can be checked.

Speed (budget: 500 staff x 10 modules in under 2 s; figures in docs/benchmarks.md): every
cell is a plain string, which ReportLab draws directly, wrapped by ``_Wrapper`` once per
distinct text (a module title repeats on hundreds of rows) instead of a ``Paragraph`` per
cell; and the rows are handed out one page-sized ``Table`` at a time (``_RegisterTable``)
instead of one 5,000-row ``Table`` that re-measures the rest of itself at every page.
"""

from __future__ import annotations

import io
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import accumulate
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table

from training_portal.certificates import runs
from training_portal.certificates.design import Design
from training_portal.certificates.layout import RunsText, shrink_to_width, wrap_runs
from training_portal.certificates.pdf import long_date

PAGE_W, PAGE_H = landscape(A4)
MARGIN_X = 14 * mm
MARGIN_TOP = 22 * mm  # room for the running header on later pages
MARGIN_BOTTOM = 18 * mm  # room for the footer
FRAME_PADDING = 6  # SimpleDocTemplate's frame pads each side by 6 points
CONTENT_W = PAGE_W - 2 * MARGIN_X - 2 * FRAME_PADDING
FOOTER_Y = 10 * mm
CELL_SIZE, CELL_LEADING = 8.5, 10.5
PAD_X, PAD_Y = 4.0, 2.5
HEADERS = ("Person", "Module", "Version", "Passed", "Valid until", "Status", "Certificate code")
MISSING = "—"  # nothing to show (never passed): a mark reads better on paper than a blank
EMPTY_MESSAGE = "No current staff."
STATUS_MAX_W = 50 * mm  # a longer status label wraps between words
MIN_SHARE = 0.3  # person and module each get at least this share of the width left to them
# Status labels in the order the count line lists them; any others follow, A to Z.
STATUS_ORDER = ("In date", "Due soon", "Expired", "Refresher needed (updated)", "In progress", "Not started")


@dataclass(frozen=True)
class RegisterRow:
    person_name: str
    module_title: str
    module_version: str  # "MAJOR.MINOR", may be "" for never passed
    passed_on: date | None
    valid_until: date | None
    status_label: str  # e.g. "In date", "Due soon", "Expired", "Not started", "In progress"
    certificate_code: str | None  # display form e.g. K7QM-3XWD-9TRF-H2PN


@dataclass(frozen=True)
class RegisterData:
    venue_name: str
    venue_address: str
    licence_number: str | None
    policy_lines: tuple[str, ...]  # plain sentences describing the venue's training policy
    generated_on: date
    verify_address: str  # e.g. "https://training.example.org/verify"
    rows: tuple[RegisterRow, ...]  # already sorted by person then module


def render_training_register(data: RegisterData, design: Design) -> bytes:
    """The register as A4 landscape PDF bytes (the same input gives the same bytes)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=(PAGE_W, PAGE_H),
        invariant=1,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"Training register: {_one_line(data.venue_name)}",
        author=design.issuer,
        subject=f"Generated on {long_date(data.generated_on)}",
        creator="training-portal",
    )
    styles = _styles(design)
    story = [*_intro(data, styles), _register_body(data.rows, styles, design)]

    def first_page(canvas: Canvas, _doc: SimpleDocTemplate) -> None:
        _footer(canvas, data, design)

    def later_page(canvas: Canvas, _doc: SimpleDocTemplate) -> None:
        _running_header(canvas, data, design)
        _footer(canvas, data, design)

    numbered = partial(_NumberedCanvas, design=design)
    doc.build(story, onFirstPage=first_page, onLaterPages=later_page, canvasmaker=numbered)
    pdf = buffer.getvalue()
    buffer.close()  # the canvas still refers to it; free its copy of the bytes now
    return pdf


# ---------------------------------------------------------------- text and styles


def _one_line(text: str) -> str:
    """Collapse runs of white space (line breaks included) to single spaces.

    In a table cell a newline starts a new line, so only the wrapping may put one there;
    a Paragraph collapses white space anyway.
    """
    return " ".join(text.split())


def _styles(design: Design) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "base",
        fontName=design.font_regular,
        fontSize=CELL_SIZE,
        leading=CELL_LEADING,
        textColor=design.colours.text,
    )

    def derived(name: str, **changes: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **changes)

    bold = design.font_bold
    return {
        "title": derived("title", fontName=bold, fontSize=20, leading=24, textColor=design.colours.primary),
        "venue": derived("venue", fontName=bold, fontSize=14, leading=18, spaceBefore=4),
        "fact": derived("fact", fontSize=10, leading=13),
        "label": derived("label", fontName=bold, fontSize=10, leading=13, spaceBefore=6),
        "policy": derived("policy", fontSize=9.5, leading=12, leftIndent=10, bulletFontName=design.font_regular),
        "small": derived("small", fontSize=9, leading=12, textColor=design.colours.muted, spaceBefore=6),
        "empty": derived("empty", fontName=bold, fontSize=11, leading=14),
    }


def _para(text: str, style: ParagraphStyle, bullet: str | None = None) -> Paragraph:
    """A Paragraph of literal text: ``<``, ``>`` and ``&`` print as themselves."""
    return Paragraph(escape(_one_line(text)), style, bulletText=bullet)


# ---------------------------------------------------------------- first page


def _intro(data: RegisterData, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """Title, venue facts, policy, date and counts: what an officer reads first."""
    facts: list[Flowable] = [
        _para("Training register", styles["title"]),
        _para(data.venue_name, styles["venue"]),
    ]
    address = ", ".join(part.strip() for part in data.venue_address.splitlines() if part.strip())
    if address:
        facts.append(_para(address, styles["fact"]))
    if data.licence_number:
        facts.append(_para(f"Premises licence number: {data.licence_number}", styles["fact"]))
    if data.policy_lines:
        facts.append(_para("Training policy", styles["label"]))
        facts.extend(_para(line, styles["policy"], bullet="•") for line in data.policy_lines)
    facts.append(_para(f"Generated on {long_date(data.generated_on)}", styles["small"]))
    facts.append(_para(_count_line(data.rows), styles["fact"]))
    facts.append(Spacer(1, 4 * mm))
    return facts


def _count_line(rows: tuple[RegisterRow, ...]) -> str:
    """E.g. "120 entries: 100 in date, 12 due soon, 8 not started" (known statuses first).

    Entries, not people: the rows carry names only, and two staff may share a name.
    """
    if not rows:
        return "0 entries"
    counts = Counter(_one_line(row.status_label) for row in rows)
    order = [s for s in STATUS_ORDER if s in counts] + sorted(set(counts) - set(STATUS_ORDER))
    noun = "entry" if len(rows) == 1 else "entries"
    parts = ", ".join(f"{counts[s]:,} {s[:1].lower()}{s[1:]}" for s in order)
    return f"{len(rows):,} {noun}: {parts}"


# ---------------------------------------------------------------- the table


def _register_body(rows: tuple[RegisterRow, ...], styles: dict[str, ParagraphStyle], design: Design) -> Flowable:
    if not rows:
        return _para(EMPTY_MESSAGE, styles["empty"])
    widths = column_widths(rows, design)
    wrap = _Wrapper(design.font_regular)
    name = _NameCells(design)
    body = [_row_cells(row, widths, wrap, name) for row in rows]
    new_person = [i for i in range(1, len(rows)) if rows[i].person_name != rows[i - 1].person_name]
    return _RegisterTable(_Rows(body, widths, new_person), _table_style(design), design.colours.muted)


def column_widths(rows: Sequence[RegisterRow], design: Design) -> list[float]:
    """Widths (points) of the seven columns, measured with the design's fonts.

    Every header fits on one line, so none ever breaks; version, dates and codes fit their
    widest value, so they never wrap; status fits its widest label up to ``STATUS_MAX_W``
    (then wraps, between words); person and module share what is left (``_share``).
    """

    def widest(texts: Iterable[str], header: str) -> float:
        values = (stringWidth(t, design.font_regular, CELL_SIZE) for t in set(texts))
        return max(stringWidth(header, design.font_bold, CELL_SIZE), *values) + 2 * PAD_X

    version = widest((_version(r) for r in rows), "Version")
    passed = widest((_day(r.passed_on) for r in rows), "Passed")
    valid = widest((_day(r.valid_until) for r in rows), "Valid until")
    code = widest((_code(r) for r in rows), "Certificate code")
    statuses = {_one_line(r.status_label) for r in rows}
    status = max(min(widest(statuses, "Status"), STATUS_MAX_W), widest(_words(statuses), "Status"))
    left = CONTENT_W - (version + passed + valid + code + status)
    names = {_one_line(r.person_name) for r in rows}
    titles = {_one_line(r.module_title) for r in rows}
    person = _share(
        left,
        need=(widest(names, "Person"), widest(titles, "Module")),
        longest_word=(widest(_words(names), "Person"), widest(_words(titles), "Module")),
    )
    return [person, left - person, version, passed, valid, status, code]


def _words(texts: Iterable[str]) -> set[str]:
    return {word for text in texts for word in text.split()}


def _share(left: float, need: tuple[float, float], longest_word: tuple[float, float]) -> float:
    """The person column's part of ``left``, which it shares with the module column.

    Both fit: each gets what it needs and half the spare. Otherwise the width is shared
    in proportion to need, but each column keeps room for its longest word (so names and
    titles break between words), or ``MIN_SHARE`` of the width if that is more, and at
    most half of it can be claimed that way.
    """
    person, module = need
    if person + module <= left:
        return person + (left - person - module) / 2
    low = min(max(longest_word[0], left * MIN_SHARE), left / 2)
    high = left - min(max(longest_word[1], left * MIN_SHARE), left / 2)
    return min(max(left * person / (person + module), low), high)


def _row_cells(row: RegisterRow, widths: list[float], wrap: _Wrapper, name: _NameCells) -> list[Cell]:
    return [
        name(row.person_name, widths[0], wrap),
        wrap(row.module_title, widths[1]),
        _version(row),
        _day(row.passed_on),
        _day(row.valid_until),
        wrap(row.status_label, widths[5]),
        _code(row),
    ]


Cell = str | RunsText


class _NameCells:
    """Person cells: a plain string when the design's font draws the name as it is (the
    fast path), else lines drawn as runs (fallback fonts, right-to-left order, shaping)."""

    def __init__(self, design: Design) -> None:
        self._design = design
        self._done: dict[tuple[str, float], RunsText] = {}

    def __call__(self, name: str, column: float, wrap: _Wrapper) -> Cell:
        design = self._design
        if not design.fallback_regular or runs.is_plain(name, design.font_regular):
            return wrap(name, column)
        key = (name, column)
        if key not in self._done:
            lines = wrap_runs(name, design.regular_fonts, CELL_SIZE, column - 2 * PAD_X)
            self._done[key] = RunsText(lines, design.regular_fonts, CELL_SIZE, CELL_LEADING,
                                       design.colours.text)
        return self._done[key]


def _version(row: RegisterRow) -> str:
    return _one_line(row.module_version) or MISSING


def _day(day: date | None) -> str:
    return day.isoformat() if day else MISSING  # ISO: unambiguous, sorts, never wraps


def _code(row: RegisterRow) -> str:
    return row.certificate_code or MISSING


class _Wrapper:
    """Text set to fit a column: its lines joined by newlines, which ``Table`` draws as
    they are (plain strings print literally, so markup characters need no escaping).

    Lines break between words; only a word wider than the whole column is broken inside.
    Results are remembered per (text, width): a name repeats on each of a person's rows,
    a module title and a status label on hundreds. ReportLab does not kern, so a line's
    width is the sum of its words' and spaces' widths.
    """

    def __init__(self, font: str) -> None:
        self._font = font
        self._space = stringWidth(" ", font, CELL_SIZE)
        self._done: dict[tuple[str, float], str] = {}
        self._widths: dict[str, float] = {}

    def __call__(self, text: str, column: float) -> str:
        key = (text, column)
        if key not in self._done:
            self._done[key] = "\n".join(self._lines(_one_line(text), column - 2 * PAD_X))
        return self._done[key]

    def _width(self, text: str) -> float:
        width = self._widths.get(text)
        if width is None:
            width = self._widths[text] = stringWidth(text, self._font, CELL_SIZE)
        return width

    def _lines(self, text: str, room: float) -> list[str]:
        lines: list[str] = []
        line, used = "", 0.0
        for word in text.split(" "):
            width = self._width(word)
            if line and used + self._space + width <= room:
                line, used = f"{line} {word}", used + self._space + width
                continue
            if line:
                lines.append(line)
            while width > room and len(word) > 1:
                head, word = self._break(word, room)
                lines.append(head)
                width = self._width(word)
            line, used = word, width
        lines.append(line)
        return lines

    def _break(self, word: str, room: float) -> tuple[str, str]:
        """The longest head of ``word`` that fits (at least one character), and the rest."""
        ends = accumulate(stringWidth(char, self._font, CELL_SIZE) for char in word)
        cut = max(sum(1 for end in ends if end <= room), 1)
        return word[:cut], word[cut:]


StyleCommand = tuple[Any, ...]


def _table_style(design: Design) -> list[StyleCommand]:
    return [
        ("FONT", (0, 0), (-1, 0), design.font_bold, CELL_SIZE, CELL_LEADING),
        ("TEXTCOLOR", (0, 0), (-1, 0), design.colours.primary),
        ("FONT", (0, 1), (-1, -1), design.font_regular, CELL_SIZE, CELL_LEADING),
        ("TEXTCOLOR", (0, 1), (-1, -1), design.colours.text),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), PAD_Y),
        ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y),
        ("LINEBELOW", (0, 0), (-1, 0), 1.2, design.colours.primary),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, design.colours.muted),
    ]


def _row_height(cells: Sequence[Cell]) -> float:
    """The height ReportLab's Table gives this row: most lines, plus vertical padding."""
    return max(_line_count(cell) for cell in cells) * CELL_LEADING + 2 * PAD_Y


def _line_count(cell: Cell) -> int:
    return len(cell.lines) if isinstance(cell, RunsText) else cell.count("\n") + 1


class _Rows:
    """Every body row's cells and height, measured once and shared by all the pages."""

    def __init__(self, body: list[list[Cell]], widths: list[float], new_person: list[int]) -> None:
        self.body = body
        self.widths = widths
        self.new_person = new_person  # indexes of rows that begin another person's rows
        self.header_h = _row_height(HEADERS)
        self.heights = [_row_height(cells) for cells in body]
        self.tops = [0.0, *accumulate(self.heights)]  # tops[i]: height of body[:i]


class _RegisterTable(Flowable):
    """The register's rows from ``start`` on, laid out as one ReportLab ``Table`` a page.

    One 5,000-row ``Table`` splits itself page by page, and every split builds a new Table
    of all the rows still to come: that was most of the render time. Here row heights are
    known up front, so a split hands the frame exactly the rows that fit, under a copy of
    the header, and passes the rest on as an index. Rows never split across pages.
    """

    def __init__(self, rows: _Rows, style: list[StyleCommand], person_rule: Color, start: int = 0) -> None:
        super().__init__()
        self._rows = rows
        self._style = style
        self._person_rule = person_rule  # colour of the rule above each new person's rows
        self._start = start

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        rows = self._rows
        self.width = sum(rows.widths)
        self.height = rows.header_h + rows.tops[-1] - rows.tops[self._start]
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        tops = self._rows.tops
        room = tops[self._start] + availHeight - self._rows.header_h
        end = bisect_right(tops, room) - 1  # rows start .. end-1 fit under the header
        if end <= self._start:
            return []  # not even one row fits: the frame moves on to the next page
        return [self._table(end), _RegisterTable(self._rows, self._style, self._person_rule, end)]

    def draw(self) -> None:
        table = self._table(len(self._rows.body))
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)

    def _table(self, end: int) -> Table:
        """Header plus rows start .. end-1, with a firmer rule above each new person."""
        rows, start = self._rows, self._start
        firsts = rows.new_person[bisect_left(rows.new_person, start + 1) : bisect_left(rows.new_person, end)]
        commands = self._style + [
            ("LINEABOVE", (0, i - start + 1), (-1, i - start + 1), 0.9, self._person_rule)  # + 1: the header row
            for i in firsts
        ]
        return Table(
            [list(HEADERS), *rows.body[start:end]],
            colWidths=rows.widths,
            rowHeights=[rows.header_h, *rows.heights[start:end]],  # known: spares the Table measuring again
            repeatRows=1,
            style=commands,
        )


# ---------------------------------------------------------------- every page


def _running_header(canvas: Canvas, data: RegisterData, design: Design) -> None:
    """Pages after the first: which register (and which day's) this loose page is from."""
    canvas.saveState()
    y = PAGE_H - 14 * mm
    label = f"Training register: {_one_line(data.venue_name)} · {long_date(data.generated_on)}"
    canvas.setFillColor(design.colours.primary)
    canvas.setFont(design.font_bold, shrink_to_width(label, design.font_bold, CONTENT_W * 0.7, 11))
    canvas.drawString(MARGIN_X + FRAME_PADDING, y, label)
    canvas.setFillColor(design.colours.muted)
    canvas.setFont(design.font_regular, shrink_to_width(design.issuer, design.font_regular, CONTENT_W * 0.28, 9))
    canvas.drawRightString(PAGE_W - MARGIN_X - FRAME_PADDING, y, design.issuer)
    canvas.restoreState()


def _footer(canvas: Canvas, data: RegisterData, design: Design) -> None:
    canvas.saveState()
    text = f"Check any certificate code at {data.verify_address}"
    canvas.setFillColor(design.colours.muted)
    canvas.setFont(design.font_regular, shrink_to_width(text, design.font_regular, CONTENT_W * 0.75, 9))
    canvas.drawString(MARGIN_X + FRAME_PADDING, FOOTER_Y, text)
    canvas.restoreState()


class _NumberedCanvas(Canvas):
    """A Canvas that holds its pages until ``save`` so each can say "Page X of Y".

    ReportLab's documented pattern: the page count is known only once the whole story is
    laid out, and laying it out twice would double the render time.
    """

    def __init__(self, *args: Any, design: Design, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._design = design
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        state = dict(self.__dict__)
        del state["_pages"]  # a page's state must not hold the list of pages (a cycle)
        self._pages.append(state)
        self._startPage()  # type: ignore[attr-defined]  # Canvas internals; not in the stubs

    def save(self) -> None:
        pages, total = self._pages, len(self._pages)
        for number, state in enumerate(pages, start=1):
            self.__dict__.update(state)
            self.saveState()
            self.setFillColor(self._design.colours.muted)
            self.setFont(self._design.font_regular, 9)
            self.drawRightString(PAGE_W - MARGIN_X - FRAME_PADDING, FOOTER_Y, f"Page {number} of {total}")
            self.restoreState()
            super().showPage()
        pages.clear()
        super().save()
        # ReportLab's document holds its pages in reference cycles, which only a full
        # garbage collection frees: a 250-page register's streams would linger across
        # requests (a worker's RSS rose by ~70 MB over ten renders). A canvas may not be
        # used after save(), so empty its document now.
        self._doc.__dict__.clear()  # type: ignore[attr-defined]  # Canvas internals; not in the stubs
