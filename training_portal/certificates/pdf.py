"""Certificate and training-record PDFs: pure functions from data + design to bytes.

No database, no request needed. Text is drawn with the design's embedded TTF fonts;
people's names go through ``runs`` (fallback fonts, bidi order, Arabic shaping). Dates
and plurals use Flask-Babel, as the pages do, in the current locale when an app is
active and in English otherwise. Certificates never name a venue.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote
from xml.sax.saxutils import escape

from babel.dates import format_date as babel_format_date
from flask import has_app_context
from flask_babel import format_date, ngettext
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from training_portal.certificates.design import Design
from training_portal.certificates.layout import (
    RunsText,
    TextFit,
    draw_fitted,
    draw_qr,
    fit_text,
    new_canvas,
    qr_widget,
    shrink_to_width,
    wrap_runs,
)

PAGE_W, PAGE_H = landscape(A4)
MARGIN = 22 * mm
NAME_MAX_WIDTH = PAGE_W - 2 * MARGIN - 20 * mm
NAME_MAX_SIZE, NAME_MIN_SIZE = 34.0, 18.0
QR_SIZE = 34 * mm


@dataclass(frozen=True)
class CertificateData:
    holder_name: str
    module_title: str
    module_version: str
    passed_on: date
    expires_on: date
    code: str  # display form, e.g. K7QM-3XWD-9TRF-H2PN
    verify_url: str


@dataclass(frozen=True)
class RecordRow:
    module_title: str
    version: str
    passed_on: date
    expires_on: date
    code: str
    #: The name printed on that certificate (as issued); shown when it is not the record's name.
    issued_to: str | None = None


#: The site's long date: templates write ``|dateformat("d MMMM yyyy")`` (Flask-Babel).
LONG_DATE = "d MMMM yyyy"


def long_date(day: date) -> str:
    """``day`` as the site's pages print it: Flask-Babel's ``format_date`` (the function
    behind the ``dateformat`` filter) in the request's locale; English outside the app."""
    if has_app_context():
        return str(format_date(day, LONG_DATE))
    return str(babel_format_date(day, LONG_DATE, locale="en"))


def fit_name(name: str, font: str, fallbacks: tuple[str, ...] = ()) -> TextFit:
    """How the holder's name is set on the certificate (size and lines)."""
    return fit_text(name, font, NAME_MAX_WIDTH, NAME_MAX_SIZE, NAME_MIN_SIZE, fallbacks)


def certificate_qr(data: CertificateData) -> QrCodeWidget:
    return qr_widget(data.verify_url, QR_SIZE)


def render_certificate(data: CertificateData, design: Design) -> bytes:
    buffer = io.BytesIO()
    canvas = new_canvas(
        buffer, (PAGE_W, PAGE_H), f"{design.title}: {data.holder_name}", design.issuer
    )
    canvas.setSubject(f"{data.module_title} (version {data.module_version})")
    _frame(canvas, design)
    _heading(canvas, design)
    y = _holder(canvas, data, design)
    _module(canvas, data, design, y)
    _footer(canvas, data, design)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _frame(canvas: Canvas, design: Design) -> None:
    canvas.setStrokeColor(design.colours.primary)
    canvas.setLineWidth(3)
    canvas.rect(10 * mm, 10 * mm, PAGE_W - 20 * mm, PAGE_H - 20 * mm)
    canvas.setStrokeColor(design.colours.accent)
    canvas.setLineWidth(1)
    canvas.rect(13 * mm, 13 * mm, PAGE_W - 26 * mm, PAGE_H - 26 * mm)


def _heading(canvas: Canvas, design: Design) -> None:
    logo = design.logo_image()
    top = PAGE_H - 22 * mm
    if logo is not None:
        canvas.drawImage(logo, PAGE_W / 2 - 9 * mm, top - 18 * mm, 18 * mm, 18 * mm)
        top -= 18 * mm
    canvas.setFillColor(design.colours.muted)
    canvas.setFont(design.font_bold, 12)
    canvas.drawCentredString(PAGE_W / 2, top - 8 * mm, design.issuer)
    canvas.setFillColor(design.colours.primary)
    canvas.setFont(design.font_bold, 30)
    canvas.drawCentredString(PAGE_W / 2, top - 22 * mm, design.title)


def _holder(canvas: Canvas, data: CertificateData, design: Design) -> float:
    """Intro line, the name (fitted) and a rule under it; return the rule's height."""
    y = PAGE_H - 85 * mm
    canvas.setFillColor(design.colours.muted)
    canvas.setFont(design.font_regular, 13)
    canvas.drawCentredString(PAGE_W / 2, y, design.intro)
    fit = fit_name(data.holder_name, design.font_bold, design.fallback_bold)
    canvas.setFillColor(design.colours.text)
    last = draw_fitted(
        canvas, fit, design.font_bold, PAGE_W / 2, y - 8 * mm - fit.size * 0.8,
        design.fallback_bold,
    )
    rule_y = last - 5 * mm
    canvas.setStrokeColor(design.colours.accent)
    canvas.setLineWidth(1.5)
    canvas.line(PAGE_W / 2 - 70 * mm, rule_y, PAGE_W / 2 + 70 * mm, rule_y)
    return rule_y


def _module(canvas: Canvas, data: CertificateData, design: Design, y: float) -> None:
    canvas.setFillColor(design.colours.text)
    canvas.setFont(design.font_regular, 13)
    body = design.body_text(data.module_title, data.module_version)
    body_fit = fit_text(body, design.font_regular, NAME_MAX_WIDTH, 13, 10)
    y = draw_fitted(canvas, body_fit, design.font_regular, PAGE_W / 2, y - 9 * mm)
    title_fit = fit_text(data.module_title, design.font_bold, NAME_MAX_WIDTH, 20, 13)
    canvas.setFillColor(design.colours.primary)
    y = draw_fitted(canvas, title_fit, design.font_bold, PAGE_W / 2, y - 10 * mm)
    canvas.setFillColor(design.colours.muted)
    canvas.setFont(design.font_regular, 11)
    canvas.drawCentredString(PAGE_W / 2, y - 6 * mm, f"Version {data.module_version}")


def _footer(canvas: Canvas, data: CertificateData, design: Design) -> None:
    base = 24 * mm
    left = MARGIN
    _label_value(
        canvas, design, left, base + 20 * mm, "Passed on", long_date(data.passed_on)
    )
    _label_value(
        canvas, design, left, base + 6 * mm, "Valid until", long_date(data.expires_on)
    )
    _signature(canvas, design, PAGE_W * 0.38, base + 6 * mm)
    qr_x = PAGE_W - MARGIN - QR_SIZE
    draw_qr(canvas, certificate_qr(data), qr_x, base + 2 * mm, design.colours.primary)
    canvas.setFillColor(design.colours.text)
    canvas.setFont(design.font_bold, 10)
    canvas.drawRightString(qr_x - 2 * mm, base + 24 * mm, "Check this certificate")
    canvas.setFont(design.font_regular, 9)
    canvas.drawRightString(qr_x - 2 * mm, base + 18 * mm, "Scan the code, or enter")
    canvas.setFont(design.font_bold, 11)
    canvas.drawRightString(qr_x - 2 * mm, base + 12 * mm, data.code)
    canvas.setFillColor(design.colours.muted)
    canvas.setFont(
        design.font_regular,
        shrink_to_width(data.verify_url, design.font_regular, 78 * mm, 8),
    )
    canvas.drawRightString(qr_x - 2 * mm, base + 6 * mm, data.verify_url)


def _label_value(
    canvas: Canvas, design: Design, x: float, y: float, label: str, value: str
) -> None:
    canvas.setFillColor(design.colours.muted)
    canvas.setFont(design.font_regular, 9)
    canvas.drawString(x, y + 5 * mm, label)
    canvas.setFillColor(design.colours.text)
    canvas.setFont(design.font_bold, 13)
    canvas.drawString(x, y, value)


def _signature(canvas: Canvas, design: Design, x: float, y: float) -> None:
    canvas.setStrokeColor(design.colours.muted)
    canvas.setLineWidth(0.6)
    canvas.line(x - 35 * mm, y + 9 * mm, x + 35 * mm, y + 9 * mm)
    canvas.setFillColor(design.colours.text)
    canvas.setFont(design.font_bold, 11)
    canvas.drawCentredString(x, y + 3 * mm, design.signatory_name)
    canvas.setFillColor(design.colours.muted)
    canvas.setFont(
        design.font_regular,
        shrink_to_width(design.signatory_role, design.font_regular, 75 * mm, 9),
    )
    canvas.drawCentredString(x, y - 2 * mm, design.signatory_role)


def render_training_record(
    holder_name: str, rows: list[RecordRow], design: Design, generated_on: date
) -> bytes:
    """A4 portrait list of a person's current certificates; the table repeats its header."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        invariant=1,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=30 * mm,
        bottomMargin=20 * mm,
        title=f"{design.record_title}: {holder_name}",
        author=design.issuer,
        creator="training-portal",
    )
    styles = _record_styles(design)
    story = [
        _record_name(holder_name, design),
        Paragraph(escape(f"Generated on {long_date(generated_on)} · {certificate_count(len(rows))}"),
                  styles["small"]),
        Spacer(1, 6 * mm),
        _record_table(rows, styles, design, holder_name),
    ]

    def decorate(canvas: Canvas, doc_: SimpleDocTemplate) -> None:
        _record_page(canvas, doc_, design)

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def certificate_count(count: int) -> str:
    """ "1 current certificate", "2 current certificates": plural forms from Babel."""
    return str(ngettext("%(num)d current certificate", "%(num)d current certificates", count))


RECORD_WIDTH = A4[0] - 36 * mm
RECORD_SIZE, RECORD_LEADING = 9.5, 12.0
CELL_PAD = 6  # ReportLab Table's default left and right padding
RECORD_HEADERS = ("Module", "Version", "Passed", "Valid until", "Certificate code")


def _record_name(name: str, design: Design) -> Flowable:
    """The holder's name as the record's heading, drawn as runs like the certificate's."""
    lines = wrap_runs(name, design.bold_fonts, 16, RECORD_WIDTH - 12)  # the frame pads 6 a side
    return RunsText(lines, design.bold_fonts, 16, 20, design.colours.text)


def record_column_widths(rows: list[RecordRow], design: Design) -> list[float]:
    """Widths (points) of the record's five columns.

    Version, dates and code fit their widest value and their header's longest word (in
    bold), so neither values nor header words ever break; the module column takes the rest.
    """
    def widest(values: list[str], header: str) -> float:
        words = [stringWidth(w, design.font_bold, RECORD_SIZE) for w in header.split()]
        texts = [stringWidth(v, design.font_regular, RECORD_SIZE) for v in values]
        return max(*words, *texts, 0.0) + 2 * CELL_PAD

    fixed = [
        widest([r.version for r in rows], RECORD_HEADERS[1]),
        widest([long_date(r.passed_on) for r in rows], RECORD_HEADERS[2]),
        widest([long_date(r.expires_on) for r in rows], RECORD_HEADERS[3]),
        widest([r.code for r in rows], RECORD_HEADERS[4]),
    ]
    return [RECORD_WIDTH - sum(fixed), *fixed]


def _record_styles(design: Design) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "cell",
        fontName=design.font_regular,
        fontSize=RECORD_SIZE,
        leading=RECORD_LEADING,
        textColor=design.colours.text,
    )
    return {
        "cell": base,
        "head": ParagraphStyle(  # wraps between words only, never inside one
            "head",
            parent=base,
            fontName=design.font_bold,
            textColor=design.colours.primary,
            splitLongWords=0,
        ),
        "small": ParagraphStyle(
            "small", parent=base, fontSize=9, textColor=design.colours.muted
        ),
    }


def _record_table(
    rows: list[RecordRow], styles: dict[str, ParagraphStyle], design: Design,
    holder_name: str = "",
) -> Table:
    def cell(text: str, style: str = "cell") -> Paragraph:
        return Paragraph(escape(text), styles[style])

    widths = record_column_widths(rows, design)

    def title(row: RecordRow) -> Paragraph | list[Flowable]:
        if row.issued_to is None or row.issued_to == holder_name:
            return cell(str(row.module_title))
        # The certificate states the name it was issued with; say so rather than hide it.
        issued = wrap_runs(f"Issued to: {row.issued_to}", design.regular_fonts, RECORD_SIZE,
                           widths[0] - 2 * CELL_PAD)
        return [cell(str(row.module_title)),
                RunsText(issued, design.regular_fonts, RECORD_SIZE, RECORD_LEADING, design.colours.text)]

    header = [cell(h, "head") for h in RECORD_HEADERS]
    body: list[list[Paragraph | list[Flowable] | str]] = [
        [
            title(r),
            cell(str(r.version)),
            cell(long_date(r.passed_on)),
            cell(long_date(r.expires_on)),
            cell(r.code),
        ]
        for r in rows
    ] or [[cell("No current certificates."), "", "", "", ""]]
    table = Table([header, *body], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, design.colours.primary),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, design.colours.muted),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _record_page(canvas: Canvas, doc: SimpleDocTemplate, design: Design) -> None:
    width, height = A4
    canvas.saveState()
    canvas.setFillColor(design.colours.primary)
    canvas.setFont(design.font_bold, 14)
    canvas.drawString(18 * mm, height - 18 * mm, design.record_title)
    canvas.setFont(design.font_regular, 9)
    canvas.setFillColor(design.colours.muted)
    canvas.drawRightString(width - 18 * mm, height - 18 * mm, design.issuer)
    canvas.drawRightString(width - 18 * mm, 12 * mm, f"Page {doc.page}")
    canvas.drawString(
        18 * mm, 12 * mm, "Check any code at the address printed on its certificate."
    )
    canvas.restoreState()


def content_disposition(filename_stem: str) -> str:
    """RFC 6266 ``attachment`` value with an ASCII fallback and the UTF-8 name."""
    stem = "".join(
        ch for ch in filename_stem if unicodedata.category(ch)[0] != "C"
    ).strip()
    stem = stem or "document"
    return f"attachment; filename=\"{_ascii_fallback(stem)}.pdf\"; filename*=UTF-8''{quote(stem + '.pdf', safe='')}"


def _ascii_fallback(stem: str) -> str:
    plain = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", stem)
        if not unicodedata.combining(ch)
    )
    kept = "".join(ch if ch.isascii() else "_" for ch in plain if ch not in '"\\')
    return kept.strip() or "document"
