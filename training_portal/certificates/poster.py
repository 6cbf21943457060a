"""A4 poster with a venue's join QR code, to pin up behind the bar. Pure: data in, bytes out."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from training_portal.certificates.design import Design
from training_portal.certificates.layout import (
    TextFit,
    draw_fitted,
    draw_qr,
    fit_text,
    new_canvas,
    qr_widget,
    shrink_to_width,
)

PAGE_W, PAGE_H = A4
TEXT_WIDTH = PAGE_W - 36 * mm
QR_SIZE = 110 * mm
STEPS = (
    "Scan the square code with your phone camera.",
    "Make an account or log in. It takes a minute.",
    "Read the short lessons and do the quiz. You get a certificate.",
)


def fit_venue_name(venue_name: str, font: str) -> TextFit:
    return fit_text(venue_name, font, TEXT_WIDTH, 30, 16)


def poster_qr(join_url: str) -> QrCodeWidget:
    return qr_widget(join_url, QR_SIZE)


def render_join_poster(
    venue_name: str, join_code: str, join_url: str, design: Design
) -> bytes:
    buffer = io.BytesIO()
    canvas = new_canvas(
        buffer, A4, f"Join {venue_name} on the staff training", design.issuer
    )
    y = _top(canvas, venue_name, design)
    draw_qr(
        canvas,
        poster_qr(join_url),
        (PAGE_W - QR_SIZE) / 2,
        y - QR_SIZE,
        design.colours.primary,
    )
    y = _address(canvas, join_url, join_code, design, y - QR_SIZE - 2 * mm)
    _steps(canvas, design, y - 12 * mm)
    _bottom(canvas, design)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _top(canvas: Canvas, venue_name: str, design: Design) -> float:
    """Coloured band with the heading, then the venue's name; return the y below them."""
    canvas.setFillColor(design.colours.primary)
    canvas.rect(0, PAGE_H - 42 * mm, PAGE_W, 42 * mm, stroke=0, fill=1)
    canvas.setFillColor(design.colours.accent)
    canvas.rect(0, PAGE_H - 44 * mm, PAGE_W, 2 * mm, stroke=0, fill=1)
    heading = fit_text(design.poster_heading, design.font_bold, TEXT_WIDTH, 34, 20)
    canvas.setFillColorRGB(1, 1, 1)
    first = (
        PAGE_H
        - 21 * mm
        - (len(heading.lines) - 1) * heading.size * 0.6
        + heading.size * 0.3
    )
    draw_fitted(canvas, heading, design.font_bold, PAGE_W / 2, first)
    name = fit_venue_name(venue_name, design.font_bold)
    canvas.setFillColor(design.colours.text)
    last = draw_fitted(canvas, name, design.font_bold, PAGE_W / 2, PAGE_H - 58 * mm)
    return last - 6 * mm


def _address(
    canvas: Canvas, join_url: str, join_code: str, design: Design, y: float
) -> float:
    """No camera: the join form's address and the code to type there (the code once, not twice)."""
    muted, text, primary = design.colours.muted, design.colours.text, design.colours.primary
    form_url = join_url.removesuffix("/" + join_code)
    _centred(canvas, "No camera? Go to", design.font_regular, 13, muted, y - 6 * mm)
    _centred(canvas, form_url, design.font_bold, 20, text, y - 15 * mm)
    _centred(canvas, "and enter this code", design.font_regular, 13, muted, y - 24 * mm)
    _centred(canvas, join_code, design.font_bold, 30, primary, y - 36 * mm)
    return y - 36 * mm


def _centred(canvas: Canvas, text: str, font: str, size: float, colour: Any, y: float) -> None:
    """One centred line, shrunk to the text width if it would not fit at ``size``."""
    canvas.setFillColor(colour)
    canvas.setFont(font, shrink_to_width(text, font, TEXT_WIDTH, size))
    canvas.drawCentredString(PAGE_W / 2, y, text)


def _steps(canvas: Canvas, design: Design, y: float) -> None:
    left = 30 * mm
    for number, step in enumerate(STEPS, start=1):
        canvas.setFillColor(design.colours.accent)
        canvas.circle(left, y + 1.5 * mm, 4.5 * mm, stroke=0, fill=1)
        canvas.setFillColor(design.colours.primary)
        canvas.setFont(design.font_bold, 13)
        canvas.drawCentredString(left, y - 0.5 * mm, str(number))
        canvas.setFillColor(design.colours.text)
        canvas.setFont(
            design.font_regular,
            shrink_to_width(step, design.font_regular, PAGE_W - left - 30 * mm, 13),
        )
        canvas.drawString(left + 8 * mm, y, step)
        y -= 11 * mm


def _bottom(canvas: Canvas, design: Design) -> None:
    logo = design.logo_image()
    x = 18 * mm
    if logo is not None:
        canvas.drawImage(logo, x, 10 * mm, 12 * mm, 12 * mm)
        x += 15 * mm
    canvas.setFillColor(design.colours.muted)
    canvas.setFont(design.font_bold, 10)
    canvas.drawString(x, 17 * mm, design.issuer)
    canvas.setFont(design.font_regular, 9)
    canvas.drawString(
        x, 12.5 * mm, "Free training for everyone who works here, on your own phone."
    )
