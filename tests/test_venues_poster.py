"""The join poster: venue name in any script, a QR code for the join URL, the code in print."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.pdfs import decode_qr, text_of
from training_portal.certificates.design import load_design
from training_portal.certificates.poster import (
    STEPS,
    TEXT_WIDTH,
    fit_venue_name,
    poster_qr,
    render_join_poster,
)

DESIGN = load_design()
URL = "https://training.example.org/join/7KQM3XWD"
CODE = "7KQM3XWD"


@pytest.mark.parametrize(
    "venue", ["The Crown & Anchor", "Zoë's <b>Bar</b>", "Κλαμπ Αθήνα", "Бар «Ночь»"]
)
def test_poster_prints_heading_venue_url_code_and_steps(venue: str) -> None:
    pdf = render_join_poster(venue, CODE, URL, DESIGN)
    text = text_of(pdf)
    for expected in (DESIGN.poster_heading, venue, "https://training.example.org/join", CODE, *STEPS):
        assert expected in text
    assert URL not in text  # the address to type, then the code: never the code twice
    assert text.count(CODE) == 1
    assert len(pdf) <= 150 * 1024
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert page.mediabox.height > page.mediabox.width  # A4 portrait


def test_long_venue_name_shrinks_to_fit() -> None:
    name = "The Old Royal Oak Tavern, Cocktail Lounge, Late Bar and Nightclub at the Harbourside"
    fit = fit_venue_name(name, DESIGN.font_bold)
    assert fit.size < fit_venue_name("The Crown", DESIGN.font_bold).size
    assert all(
        stringWidth(line, DESIGN.font_bold, fit.size) <= TEXT_WIDTH
        for line in fit.lines
    )
    assert " ".join(fit.lines) == name


def test_qr_code_decodes_to_the_join_url(tmp_path: Path) -> None:
    assert poster_qr(URL).value == URL
    decoded = decode_qr(render_join_poster("The Crown", CODE, URL, DESIGN), tmp_path)
    assert decoded in (None, URL)


def test_poster_is_deterministic() -> None:
    assert render_join_poster("A", CODE, URL, DESIGN) == render_join_poster(
        "A", CODE, URL, DESIGN
    )
