"""The venue's training register PDF (what a licensing officer is handed at an inspection).

Pure: no Flask app, no database. Text is read back with pypdf, page by page where it
matters (header repeated, "Page X of Y", footer on every page).
"""

from __future__ import annotations

import dataclasses
import gc
import io
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.pdfs import text_of
from training_portal.certificates.design import load_design
from training_portal.certificates.register_pdf import (
    CELL_LEADING,
    CELL_SIZE,
    HEADERS,
    PAD_X,
    RegisterData,
    RegisterRow,
    column_widths,
    render_training_register,
)

DESIGN = load_design()
VERIFY = "https://training.example.org/verify"
NAMES = ["Zoë Ørsted", "Αλέξανδρος Παπαδόπουλος", "Анна Кузнецова"]
POLICY = (
    "Every member of staff completes all modules within 14 days of their first shift.",
    "Refresher training is due every 12 months.",
)


def row(name: str = "Sam O'Neill", module: str = "Spotting predatory behaviour", n: int = 0) -> RegisterRow:
    return RegisterRow(
        person_name=name,
        module_title=module,
        module_version="3.1",
        passed_on=date(2026, 3, 12),
        valid_until=date(2027, 3, 12),
        status_label="In date",
        certificate_code=f"K7QM-3XWD-9TRF-{n:04d}",
    )


NOT_STARTED = RegisterRow("Priya Raghunathan", "Safe ways home", "", None, None, "Not started", None)


def register(rows: list[RegisterRow] | tuple[RegisterRow, ...] = (), **changes: object) -> RegisterData:
    data = RegisterData(
        venue_name="The Crown and Anchor",
        venue_address="1 High Street\nMarket Town  MT1 2AB",
        licence_number="PL/2024/0173",
        policy_lines=POLICY,
        generated_on=date(2026, 11, 30),
        verify_address=VERIFY,
        rows=tuple(rows),
    )
    return dataclasses.replace(data, **changes)  # type: ignore[arg-type]


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces as single spaces (wrapped cells, policy lines)."""
    return " ".join(text.split())


def big_register(people: int = 30, modules: int = 10) -> RegisterData:
    rows = [
        row(f"{NAMES[p % 3]} {p:02d}", f"Module {m:02d}: recognising risk", p * modules + m)
        for p in range(people)
        for m in range(modules)
    ]
    return register(rows)


def test_first_page_has_title_venue_facts_policy_date_and_counts() -> None:
    rows = [row(n=1), row(module="Safe ways home", n=2), NOT_STARTED]
    text = text_of(render_training_register(register(rows), DESIGN))
    for expected in (
        "Training register",
        "The Crown and Anchor",
        "1 High Street, Market Town MT1 2AB",
        "PL/2024/0173",
        "Generated on 30 November 2026",
        "3 entries: 2 in date, 1 not started",
        f"Check any certificate code at {VERIFY}",
        "Page 1 of 1",
    ):
        assert expected in text
    for line in POLICY:
        assert f"• {line}" in flat(text)  # the bullet in the design's font, so it extracts too


def test_every_row_prints_the_person_module_dates_status_and_code() -> None:
    rows = [row(name, f"Module {m}", i * 10 + m) for i, name in enumerate(NAMES) for m in range(3)]
    text = text_of(render_training_register(register([*rows, NOT_STARTED]), DESIGN))
    for r in rows:
        assert r.certificate_code in text
        assert r.module_title in text
    for name in NAMES:
        assert text.count(name) == 3  # printed on each of the person's rows, not once per group
    assert "2026-03-12" in text and "2027-03-12" in text
    assert "Priya Raghunathan" in text and "Not started" in text


def test_long_register_repeats_the_header_and_numbers_every_page() -> None:
    data = big_register()
    pages = pages_of(render_training_register(data, DESIGN))
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert all(header in page for header in HEADERS), f"header missing on page {number}"
        assert f"Page {number} of {len(pages)}" in page
        assert f"Check any certificate code at {VERIFY}" in page
    assert all("The Crown and Anchor" in page for page in pages[1:])  # a loose page says whose it is
    # no row lost or printed twice where the pages break
    every_page = "\n".join(pages)
    assert all(every_page.count(r.certificate_code or "") == 1 for r in data.rows)


def test_pages_are_a4_landscape() -> None:
    page = PdfReader(io.BytesIO(render_training_register(register([row()]), DESIGN))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)


@pytest.mark.parametrize("name", NAMES)
def test_names_in_other_scripts_extract_exactly(name: str) -> None:
    text = text_of(render_training_register(register([row(name, "Ασφαλής επιστροφή — Безопасный путь")]), DESIGN))
    assert name in text
    assert "Ασφαλής επιστροφή — Безопасный путь" in text


def test_markup_characters_print_literally() -> None:
    name = "<b>Bo</b> & Co"
    long_name = "<i>Maximiliana</i> & Alexandrina Konstantinopoulou-Wolfeschlegelsteinhausen de la Fuente y Montenegro"
    data = register(
        [row(name, "Bars & <clubs>"), row(long_name, "<font color='red'>x</font> &amp; more", 1)],
        venue_name="Bar <Fly> & Grill",
        policy_lines=("Train <u>everyone</u> & refresh yearly.",),
    )
    text = flat(text_of(render_training_register(data, DESIGN)))
    for literal in (name, "Bars & <clubs>", long_name, "<font color='red'>x</font> &amp; more"):
        assert literal in text
    assert "Bar <Fly> & Grill" in text
    assert "Train <u>everyone</u> & refresh yearly." in text


def placed_text(pdf: bytes) -> list[tuple[float, float, str]]:
    """(x, y, text) of each piece of text drawn on the first page, from its left baseline."""
    found: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            x, y = tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x, y, text.strip()))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


def test_long_text_wraps_inside_its_column_and_stays_whole() -> None:
    name = "Maximiliana Alexandrina Konstantinopoulou Wolfeschlegelsteinhausen de la Fuente y Montenegro Łukasiewicz"
    title = "Recognising predatory behaviour and acting on it: " + "a very long module title " * 4
    status = "Refresher needed (the module changed after the certificate was issued)"
    long_row = dataclasses.replace(row(name, title), status_label=status)
    pdf = render_training_register(register([long_row, row(n=1)]), DESIGN)
    text = text_of(pdf)
    for long_text in (name, title, status):
        assert flat(long_text) in flat(text)  # every word whole: lines break between words ...
        assert flat(long_text) not in text.splitlines()  # ... and it did wrap ...
    assert_cells_inside_their_columns(pdf)  # ... inside its column
    assert "K7QM-3XWD-9TRF-0000" in text.splitlines()  # codes and dates whole, on one line
    assert "2026-03-12" in text.splitlines()


def test_a_word_wider_than_its_column_is_broken_inside_it() -> None:
    name = "W" * 110  # the name field allows 120 characters, spaces or not
    pdf = render_training_register(register([row(name), row(n=1)]), DESIGN)
    assert name in "".join(text_of(pdf).split())
    assert_cells_inside_their_columns(pdf)


def assert_cells_inside_their_columns(pdf: bytes) -> None:
    """Each piece of text in the table ends before the next column's text starts, and
    lines in a column never run into each other (a row is as tall as its wrapped text)."""
    placed = placed_text(pdf)
    header_y = next(y for _, y, piece in placed if piece == "Person")
    starts = {piece: x for x, y, piece in placed if piece in HEADERS}
    edges = [starts[h] for h in HEADERS] + [842 - 14 * 72 / 25.4]  # where each column's text starts; the margin
    cells = [(x, y, piece) for x, y, piece in placed if 30 < y < header_y]  # below the header, above the footer
    assert len(cells) >= 14
    baselines: dict[int, list[float]] = {}
    for x, y, piece in cells:
        column = max(i for i, edge in enumerate(edges[:-1]) if edge <= x + 0.01)
        assert x + stringWidth(piece, DESIGN.font_regular, CELL_SIZE) <= edges[column + 1], piece
        baselines.setdefault(column, []).append(y)
    for ys in baselines.values():
        ys.sort()
        assert all(upper - lower >= CELL_LEADING - 0.01 for lower, upper in zip(ys, ys[1:], strict=False))


def test_empty_register_says_no_current_staff() -> None:
    pages = pages_of(render_training_register(register([]), DESIGN))
    assert len(pages) == 1
    assert "No current staff." in pages[0]
    assert "Certificate code" not in pages[0]  # no empty table
    assert "Page 1 of 1" in pages[0]


@pytest.mark.parametrize(
    "rows",
    [
        [row()],  # short values: the headers set the widths
        [row("Αλέξανδρος Παπαδόπουλος-Κωνσταντινόπουλος " * 3, "A module title that goes on " * 8)],
        [dataclasses.replace(row(), status_label="Refresher needed (updated) " * 5)],
    ],
)
def test_headers_fit_on_one_line_and_dates_and_codes_never_wrap(rows: list[RegisterRow]) -> None:
    widths = column_widths(rows, DESIGN)
    assert sum(widths) <= 842 - 2 * 14 * 72 / 25.4 - 12 + 0.01  # inside the frame
    for header, width in zip(HEADERS, widths, strict=True):
        assert stringWidth(header, DESIGN.font_bold, CELL_SIZE) + 2 * PAD_X <= width, header
    for value, width in [("2026-03-12", widths[3]), ("2027-03-12", widths[4]), ("K7QM-3XWD-9TRF-0000", widths[6])]:
        assert stringWidth(value, DESIGN.font_regular, CELL_SIZE) + 2 * PAD_X <= width
    lines = text_of(render_training_register(register(rows), DESIGN)).splitlines()
    assert all(header in lines for header in HEADERS)  # each header whole, on one line


def test_same_register_same_bytes() -> None:
    data = big_register(people=3)
    assert render_training_register(data, DESIGN) == render_training_register(data, DESIGN)


def pages_left_for_the_collector(data: RegisterData) -> int:
    """Page objects and saved page states a render leaves in reference cycles, which
    only a full garbage collection would free (counted by type: other threads' garbage
    must not count)."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        render_training_register(data, DESIGN)
        gc.collect()
        return sum(
            type(o).__name__ in ("PDFPage", "PDFStream") or (isinstance(o, dict) and "_code" in o and "_pages" not in o)
            for o in gc.garbage
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_pages_are_freed_when_the_render_returns() -> None:
    """A long register's pages do not wait for the garbage collector (memory stays flat)."""
    data = big_register()
    assert len(pages_of(render_training_register(data, DESIGN))) >= 10
    assert pages_left_for_the_collector(data) == 0
