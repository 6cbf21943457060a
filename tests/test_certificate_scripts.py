"""Names in Arabic, Hebrew, CJK and mixed scripts on the certificate, the training record
and the venue register; and the training record's headers, plural and dates.

Pure: no database. What is drawn is read two ways: the strings ``runs.draw`` hands the
canvas, in drawing order (left to right on the page), and the PDF's text and fonts.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest
from flask import render_template_string
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.pdfs import SAMPLE_CERTIFICATE, text_of
from training_portal.certificates import runs
from training_portal.certificates.design import load_design, unprintable_characters
from training_portal.certificates.layout import RunsText
from training_portal.certificates.pdf import (
    RecordRow,
    certificate_count,
    long_date,
    record_column_widths,
    render_certificate,
    render_training_record,
)
from training_portal.certificates.register_pdf import (
    RegisterData,
    RegisterRow,
    render_training_register,
)

DESIGN = load_design()
SAMPLE = SAMPLE_CERTIFICATE
LAYLA = "ليلى حسن"
#: "ليلى حسن" in joining forms (lam initial, yeh medial, lam medial, alef maksura final;
#: hah initial, seen medial, noon final), right to left: the order the page shows.
LAYLA_DRAWN = "\ufee6\ufeb4\ufea3 \ufef0\ufee0\ufef4\ufedf"
#: The same, in reading order, as a PDF text extractor gives it back.
LAYLA_SHAPED = "\ufedf\ufef4\ufee0\ufef0 \ufea3\ufeb4\ufee6"


class Recorder:
    """A canvas that keeps what ``runs.draw`` draws: (font, text) in drawing order."""

    def __init__(self) -> None:
        self.font = ""
        self.drawn: list[tuple[str, str]] = []

    def setFont(self, font: str, size: float) -> None:
        self.font = font

    def drawString(self, x: float, y: float, text: str) -> None:
        self.drawn.append((self.font, text))


def drawn(name: str, fonts: tuple[str, ...] = DESIGN.bold_fonts) -> list[tuple[str, str]]:
    canvas = Recorder()
    runs.draw(canvas, name, fonts, 20, 0, 0)  # type: ignore[arg-type]
    return canvas.drawn


def fonts_of(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


ARABIC_BOLD, ARABIC = DESIGN.fallback_bold[1], DESIGN.fallback_regular[1]
CJK_BOLD = DESIGN.fallback_bold[2]


# ---------------------------------------------------------------- Arabic


def test_an_arabic_name_is_drawn_in_joining_forms_from_right_to_left() -> None:
    assert drawn(LAYLA) == [(ARABIC_BOLD, LAYLA_DRAWN)]


def test_lam_alef_is_drawn_as_one_ligature() -> None:
    assert drawn("لا") == [(ARABIC_BOLD, "\ufefb")]
    assert drawn("لأ") == [(ARABIC_BOLD, "\ufef7")]


def test_a_latin_and_arabic_name_keeps_its_latin_parts_in_order() -> None:
    assert drawn(f"Layla {LAYLA} Smith") == [
        (DESIGN.font_bold, "Layla "),
        (ARABIC_BOLD, LAYLA_DRAWN + " "),
        (DESIGN.font_bold, "Smith"),
    ]


def test_an_arabic_certificate_carries_the_shaped_letters_in_noto_sans_arabic() -> None:
    pdf = render_certificate(dataclasses.replace(SAMPLE, holder_name=LAYLA), DESIGN)
    text = text_of(pdf)
    assert LAYLA_SHAPED in text
    assert not any("\u0600" <= ch <= "\u06ff" for ch in text)  # no unjoined letters
    assert "NotoSansArabic-Bold" in fonts_of(pdf)


def test_persian_with_a_zero_width_non_joiner_keeps_the_break_in_joining() -> None:
    # The ZWNJ keeps "زاده" from joining "مهدی" (all isolated forms here but م, ه, د). Once
    # shaping has used it, it is not drawn: Noto Sans Arabic shows it as a visible bar.
    assert unprintable_characters("مهدی\u200cزاده", DESIGN) == ""
    [(font, text)] = drawn("مهدی\u200cزاده")
    assert font == ARABIC_BOLD
    assert text == "\ufee9\ufea9\ufe8d\ufeaf\ufbfc\ufeaa\ufeec\ufee3"


def test_vowel_marks_are_left_out_rather_than_misplaced() -> None:
    assert drawn("مُحَمَّد") == drawn("محمد")


# ---------------------------------------------------------------- CJK


@pytest.mark.parametrize("name", ["李小龍", "山田 さくら", "김민준"])
def test_a_cjk_name_prints_in_the_cjk_font(name: str) -> None:
    pdf = render_certificate(dataclasses.replace(SAMPLE, holder_name=name), DESIGN)
    assert name in text_of(pdf)
    assert any(f.startswith("WenQuanYiMicroHei") for f in fonts_of(pdf))


def test_latin_letters_next_to_cjk_stay_in_the_design_font() -> None:
    assert drawn("Wei 王 Smith") == [
        (DESIGN.font_bold, "Wei "),
        (CJK_BOLD, "王 "),
        (DESIGN.font_bold, "Smith"),
    ]


# ---------------------------------------------------------------- record and register


def test_the_training_record_draws_the_holder_and_issued_to_names_as_runs() -> None:
    rows = [RecordRow("Ask for Angela", "1.2", date(2026, 1, 1), date(2027, 1, 1),
                      "AAAA-BBBB-CCCC-DDDD", issued_to="Dana דנה Cohen")]
    pdf = render_training_record(LAYLA, rows, DESIGN, date(2026, 11, 30))
    text = text_of(pdf)
    assert LAYLA_SHAPED in text
    assert "Issued to: Dana" in text and "Cohen" in text
    fonts = fonts_of(pdf)
    assert {"NotoSansArabic-Bold", "NotoSansHebrew-Regular"} <= fonts


def test_the_register_draws_names_in_other_scripts_as_runs() -> None:
    names = ["Dana דנה Cohen", LAYLA, "李小龍", "Sam O'Neill"]
    rows = tuple(
        RegisterRow(name, "Ask for Angela", "1.0", date(2026, 1, 1), date(2027, 1, 1),
                    "In date", "AAAA-BBBB-CCCC-DDDD")
        for name in names
    )
    data = RegisterData("The Anchor", "1 High St", None, (), date(2026, 11, 30),
                        "https://training.example.org/verify", rows)
    pdf = render_training_register(data, DESIGN)
    text = text_of(pdf)
    assert LAYLA_SHAPED in text and "李小龍" in text and "Sam O'Neill" in text
    assert {"NotoSansArabic-Regular", "NotoSansHebrew-Regular"} <= fonts_of(pdf)
    assert any(f.startswith("WenQuanYiMicroHei") for f in fonts_of(pdf))


def test_a_long_name_in_another_script_wraps_between_words_in_the_register() -> None:
    from training_portal.certificates.register_pdf import _NameCells, _Wrapper

    cell = _NameCells(DESIGN)(" ".join([LAYLA] * 6), 80, _Wrapper(DESIGN.font_regular))
    assert isinstance(cell, RunsText)
    assert len(cell.lines) > 1
    assert all(line.replace(" ", "") and set(line.split()) == set(LAYLA.split()) for line in cell.lines)


# ---------------------------------------------------------------- record: headers, plural, dates


def _record(rows: list[RecordRow]) -> bytes:
    return render_training_record("Sam", rows, DESIGN, date(2026, 11, 30))


SHORT_ROW = RecordRow("A", "1", date(2026, 5, 1), date(2027, 5, 1), "AB")


def test_record_header_words_fit_their_columns_even_when_the_values_are_short() -> None:
    widths = record_column_widths([SHORT_ROW], DESIGN)
    headers = ("Module", "Version", "Passed", "Valid until", "Certificate code")
    for header, width in zip(headers[1:], widths[1:], strict=True):
        longest = max(stringWidth(w, DESIGN.font_bold, 9.5) for w in header.split())
        assert longest <= width - 12, header  # 6 points of padding each side


def test_record_headers_never_break_inside_a_word() -> None:
    words = set(text_of(_record([SHORT_ROW])).split())
    assert {"Module", "Version", "Passed", "Valid", "until", "Certificate", "code"} <= words


def test_record_counts_certificates_with_plural_forms() -> None:
    assert certificate_count(1) == "1 current certificate"
    assert certificate_count(2) == "2 current certificates"
    assert certificate_count(0) == "0 current certificates"
    assert "· 1 current certificate\n" in text_of(_record([SHORT_ROW]))
    assert "· 2 current certificates" in text_of(_record([SHORT_ROW, SHORT_ROW]))


def test_record_dates_are_in_the_sites_long_format() -> None:
    row = RecordRow("Ask for Angela", "1", date(2026, 9, 30), date(2027, 9, 3), "AAAA-BBBB")
    text = text_of(_record([row]))
    assert "30 September 2026" in text and "3 September 2027" in text
    assert "Generated on 30 November 2026" in text
    assert "2026-09-30" not in text


def test_long_date_is_the_dateformat_filter_of_the_pages(app) -> None:
    day = date(2027, 1, 5)
    with app.test_request_context():
        page = render_template_string('{{ day|dateformat("d MMMM yyyy") }}', day=day)
        assert long_date(day) == page == "5 January 2027"
    assert long_date(day) == "5 January 2027"  # outside the app: English, same pattern


# ---------------------------------------------------------------- fallback fonts are read lazily


def _design_copy(tmp_path, fallback: str = "wqy-microhei.ttc"):
    import shutil

    from training_portal.certificates.design import DEFAULT_FOLDER

    (tmp_path / "fonts").mkdir()
    shutil.copy(DEFAULT_FOLDER / "fonts" / fallback, tmp_path / "fonts" / fallback)
    yaml_text = (DEFAULT_FOLDER / "design.yaml").read_text(encoding="utf-8")
    head = yaml_text[: yaml_text.index("fallback_fonts:")]
    (tmp_path / "design.yaml").write_text(
        head.replace("logo: logo.png", "logo:")
        + f"fallback_fonts:\n  - regular: {fallback}\n    bold: {fallback}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_the_cjk_font_is_read_only_when_a_name_needs_it(tmp_path) -> None:
    from reportlab.pdfbase.pdfmetrics import getRegisteredFontNames

    from training_portal.certificates.design import unprintable_characters

    design = load_design(_design_copy(tmp_path))
    cjk = design.fallback_regular[0]
    assert cjk == design.fallback_bold[0]
    assert cjk not in getRegisteredFontNames()
    assert unprintable_characters("Zoë Łukasiewicz", design) == ""
    assert cjk not in getRegisteredFontNames()  # the design's font had every letter
    assert unprintable_characters("李小龍", design) == ""
    assert cjk in getRegisteredFontNames()


def test_an_opentype_cff_fallback_is_refused_when_the_design_loads(tmp_path) -> None:
    from training_portal.certificates.design import DesignError

    folder = _design_copy(tmp_path)
    (folder / "fonts" / "wqy-microhei.ttc").write_bytes(b"OTTO" + bytes(100))
    with pytest.raises(DesignError, match="not a TrueType"):
        load_design(folder)
