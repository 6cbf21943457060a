"""Certificate and training-record PDFs, the design loader and the download header.

Pure: no Flask app, no database. The QR code is decoded from a rendered page when
poppler-utils and zbar-tools are installed; otherwise the payload is read from the widget.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.graphics.barcode import qrencoder
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.pdfs import SAMPLE_CERTIFICATE, decode_qr, text_of
from training_portal.certificates.design import (
    DEFAULT_FOLDER,
    SYSTEM_FONT_DIR,
    Design,
    DesignError,
    find_font,
    load_design,
)
from training_portal.certificates.layout import make_qr, mask_penalty
from training_portal.certificates.pdf import (
    NAME_MAX_SIZE,
    NAME_MAX_WIDTH,
    PAGE_W,
    RecordRow,
    certificate_qr,
    content_disposition,
    fit_name,
    render_certificate,
    render_training_record,
)

DESIGN = load_design()
SAMPLE = SAMPLE_CERTIFICATE
NAMES = ["Zoë Łukasiewicz", "Αλέξης Παπαδόπουλος", "Ахмед Мұхамеджан", "Sam O'Neill"]
LONG_NAME = (
    "Maximiliana Alexandrina Konstantinopoulou-Wolfeschlegelsteinhausen "
    "de la Fuente y Montenegro Smythe Łukasiewicz the Third of Ashby"
)[:120]


@pytest.mark.parametrize("name", NAMES)
def test_certificate_shows_name_module_version_and_code(name: str) -> None:
    data = dataclasses.replace(SAMPLE, holder_name=name)
    text = text_of(render_certificate(data, DESIGN))
    for expected in (
        name,
        data.module_title,
        "Version 3",
        data.code,
        DESIGN.issuer,
        DESIGN.signatory_name,
        "12 March 2025",
        "12 March 2026",
    ):
        assert expected in text


def test_markup_in_a_name_prints_literally() -> None:
    name = '<font color="red">x</font> & <b>Bo</b>'
    assert name in text_of(
        render_certificate(dataclasses.replace(SAMPLE, holder_name=name), DESIGN)
    )


def test_long_name_shrinks_then_wraps_and_stays_on_the_page() -> None:
    assert len(LONG_NAME) == 120
    short = fit_name("Sam O'Neill", DESIGN.font_bold)
    fit = fit_name(LONG_NAME, DESIGN.font_bold)
    assert short.size == NAME_MAX_SIZE and len(short.lines) == 1
    assert fit.size < NAME_MAX_SIZE and len(fit.lines) == 2
    assert " ".join(fit.lines) == LONG_NAME
    for line in fit.lines:
        width = stringWidth(line, DESIGN.font_bold, fit.size)
        assert width <= NAME_MAX_WIDTH
        assert PAGE_W / 2 + width / 2 <= PAGE_W  # centred, so inside both edges
    text = text_of(
        render_certificate(dataclasses.replace(SAMPLE, holder_name=LONG_NAME), DESIGN)
    )
    for line in fit.lines:
        assert line in text


def test_name_without_spaces_is_split_at_a_character() -> None:
    fit = fit_name("W" * 90, DESIGN.font_bold)
    assert "".join(fit.lines) == "W" * 90
    assert all(
        stringWidth(line, DESIGN.font_bold, fit.size) <= NAME_MAX_WIDTH
        for line in fit.lines
    )


def test_size_determinism_and_one_landscape_page() -> None:
    pdf = render_certificate(SAMPLE, DESIGN)
    assert len(pdf) <= 150 * 1024
    assert pdf == render_certificate(SAMPLE, DESIGN)  # invariant=1
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 1
    assert pages[0].mediabox.width > pages[0].mediabox.height


def test_qr_code_decodes_to_the_verify_url(tmp_path: Path) -> None:
    assert certificate_qr(SAMPLE).value == SAMPLE.verify_url
    decoded = decode_qr(render_certificate(SAMPLE, DESIGN), tmp_path)
    assert decoded in (None, SAMPLE.verify_url)


@pytest.mark.parametrize(
    "payload", ["https://training.example.org/verify/K7QM3XWD9TRFH2PN", "x" * 200]
)
def test_fast_mask_choice_matches_reportlab(payload: str) -> None:
    ours = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    ours.addData(payload)
    make_qr(ours)
    reference = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    reference.addData(payload)
    reference.make()
    assert ours.modules == reference.modules
    for mask in range(8):
        reference.makeImpl(True, mask)
        assert mask_penalty(reference.modules) == qrencoder.QRUtil.getLostPoint(
            reference
        )


def test_training_record_paginates_and_lists_every_row() -> None:
    rows = [
        RecordRow(
            f"Module {i:02d}: recognising risk",
            "2",
            date(2025, 1, 1),
            date(2026, 1, 1),
            f"AAAA-BBBB-CCCC-{i:04d}",
        )
        for i in range(70)
    ]
    pdf = render_training_record(
        "Αλέξης <b>Παπαδόπουλος</b>", rows, DESIGN, date(2025, 5, 1)
    )
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    assert all(
        "Certificate code" in page.extract_text() for page in reader.pages
    )  # header repeats
    text = text_of(pdf)
    assert "Αλέξης <b>Παπαδόπουλος</b>" in text
    assert all(row.code in text for row in rows)
    assert reader.pages[0].mediabox.height > reader.pages[0].mediabox.width


def test_training_record_without_rows() -> None:
    assert "No current certificates." in text_of(
        render_training_record("Sam", [], DESIGN, date(2025, 5, 1))
    )


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        (
            "Zoë Łukasiewicz",
            (
                'attachment; filename="Zoe _ukasiewicz.pdf"; '
                "filename*=UTF-8''Zo%C3%AB%20%C5%81ukasiewicz.pdf"
            ),
        ),
        (
            'Sam "Bo" O\\Neill\r\nX-Evil: 1',
            (
                'attachment; filename="Sam Bo ONeillX-Evil: 1.pdf"; '
                "filename*=UTF-8''Sam%20%22Bo%22%20O%5CNeillX-Evil%3A%201.pdf"
            ),
        ),
        (
            "Ахмед",
            "attachment; filename=\"_____.pdf\"; filename*=UTF-8''%D0%90%D1%85%D0%BC%D0%B5%D0%B4.pdf",
        ),
        (
            "\r\n",
            "attachment; filename=\"document.pdf\"; filename*=UTF-8''document.pdf",
        ),
    ],
)
def test_content_disposition(stem: str, expected: str) -> None:
    value = content_disposition(stem)
    assert value == expected
    assert value.isascii() and "\r" not in value and "\n" not in value


def copy_design(tmp_path: Path, **changes: str) -> Path:
    text = (DEFAULT_FOLDER / "design.yaml").read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "design.yaml").write_text(text, encoding="utf-8")
    shutil.copy(DEFAULT_FOLDER / "logo.png", tmp_path / "logo.png")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('primary: "#1F3A5F"', 'primary: "navy"', "colours.primary"),
        (
            'primary: "#1F3A5F"',
            "primary: #1F3A5F",
            "colours.primary",
        ),  # unquoted: a YAML comment
        ("logo: logo.png", "logo: missing.png", "missing.png"),
        ("logo: logo.png", "logo: design.yaml", "not a PNG"),
        ("regular: DejaVuSans.ttf", "regular: NoSuchFont.ttf", "NoSuchFont.ttf"),
        ('body: "has completed', 'body: "{venue} has completed', "unknown placeholder"),
        ("issuer: Safer Nights Partnership", "issuer: ''", "issuer"),
    ],
)
def test_design_errors_name_the_problem(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(DesignError, match=message):
        load_design(copy_design(tmp_path, **{old: new}))


def test_design_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DesignError, match="not found"):
        load_design(tmp_path)


def test_design_reload_is_idempotent_and_logo_optional(tmp_path: Path) -> None:
    design = load_design(copy_design(tmp_path, **{"logo: logo.png": "logo:"}))
    assert design.logo is None and design.logo_image() is None
    again = load_design(DEFAULT_FOLDER)
    assert (again.font_regular, again.font_bold) == (
        DESIGN.font_regular,
        DESIGN.font_bold,
    )
    assert "Zoë" in text_of(render_certificate(SAMPLE, design))
    assert isinstance(design, Design)


def test_font_lookup_prefers_the_design_folder(tmp_path: Path) -> None:
    assert (
        find_font(DEFAULT_FOLDER, "DejaVuSans.ttf")
        == DEFAULT_FOLDER / "fonts" / "DejaVuSans.ttf"
    )
    if (SYSTEM_FONT_DIR / "DejaVuSans.ttf").is_file():
        assert (
            find_font(tmp_path, "DejaVuSans.ttf") == SYSTEM_FONT_DIR / "DejaVuSans.ttf"
        )
    else:
        with pytest.raises(DesignError):
            find_font(tmp_path, "DejaVuSans.ttf")


def _fonts_of(pdf: bytes) -> list[str]:
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    return [str(f.get_object()["/BaseFont"]) for f in fonts.values()]


def test_a_hebrew_name_prints_with_the_fallback_font() -> None:
    name = "דנה כהן"
    pdf = render_certificate(dataclasses.replace(SAMPLE, holder_name=name), DESIGN)
    text = text_of(pdf)
    # Drawn in display order; pypdf puts right-to-left text back in reading order.
    assert name in text or name[::-1] in text
    assert any(f.endswith("+NotoSansHebrew-Bold") for f in _fonts_of(pdf))


def test_a_mixed_direction_name_keeps_its_latin_parts_in_order() -> None:
    from training_portal.certificates import runs

    parts = runs.runs("Dana דנה Cohen", DESIGN.bold_fonts)
    assert [p.text for p in parts] == ["Dana ", "הנד ", "Cohen"]
    assert [p.font for p in parts] == [DESIGN.font_bold, DESIGN.fallback_bold[0], DESIGN.font_bold]
    pdf = render_certificate(dataclasses.replace(SAMPLE, holder_name="Dana דנה Cohen"), DESIGN)
    text = text_of(pdf)
    assert text.index("Dana") < text.index("Cohen")
    assert all(ch in text for ch in "דנה")


def test_a_latin_name_takes_the_plain_path() -> None:
    from training_portal.certificates import runs

    assert runs.runs("Zoë Łukasiewicz", DESIGN.bold_fonts) == (
        runs.Run("Zoë Łukasiewicz", DESIGN.font_bold, False,
                 stringWidth("Zoë Łukasiewicz", DESIGN.font_bold, 1.0)),
    )


def test_a_hebrew_name_prints_in_the_training_record() -> None:
    pdf = render_training_record("דנה כהן", [], DESIGN, date(2025, 3, 12))
    assert "ןהכ הנד" in text_of(pdf) or "דנה כהן" in text_of(pdf)
