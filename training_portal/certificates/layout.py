"""Small drawing helpers shared by the certificate, training record and venue poster."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise

from reportlab import rl_config
from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from training_portal.certificates import runs

# Binary (Flate-only) streams instead of ASCII85 text: about 20 % smaller PDFs, and the
# pure-Python ASCII85 encoder was a third of a certificate's render time. Every PDF
# reader accepts binary streams; this is process-wide, like all of rl_config.
rl_config.useA85 = 0

LEADING = 1.2
QR_BORDER = 4  # modules of quiet zone, as the QR standard asks


@dataclass(frozen=True)
class TextFit:
    size: float
    lines: tuple[str, ...]


def fit_text(
    text: str,
    font: str,
    max_width: float,
    max_size: float,
    min_size: float,
    fallbacks: Sequence[str] = (),
) -> TextFit:
    """Largest size down to ``min_size`` that fits one line; else two balanced lines.

    Two lines are never larger than 70 % of ``max_size`` and shrink further without a
    floor, so even an absurd string stays inside ``max_width``. With ``fallbacks`` (font
    names), text ``font`` cannot draw alone is measured as ``runs`` (see runs.py).
    """
    measure = _measure(font, fallbacks)
    width = measure(text)
    if width * max_size <= max_width:
        return TextFit(max_size, (text,))
    size = _floor_half(max_width / width)
    if size >= min_size:
        return TextFit(size, (text,))
    lines = _split_two(text, measure)
    widest = max(measure(line) for line in lines)
    return TextFit(min(max_size * 0.7, _floor_half(max_width / widest)), lines)


def _measure(font: str, fallbacks: Sequence[str]) -> Callable[[str], float]:
    if not fallbacks:
        return partial(stringWidth, fontName=font, fontSize=1.0)
    return partial(runs.width, fonts=(font, *fallbacks))


def shrink_to_width(text: str, font: str, max_width: float, max_size: float) -> float:
    """Size for a single line that must not wrap (a URL, a role), no larger than max_size."""
    width = stringWidth(text, font, 1.0)
    return max_size if width * max_size <= max_width else max_width / width


def _floor_half(size: float) -> float:
    return max(int(size * 2) / 2, 0.5) if size >= 1 else size


def _split_two(text: str, measure: Callable[[str], float]) -> tuple[str, str]:
    """Split at the space that balances the two lines; at a character if there is none."""
    words = text.split(" ")
    if len(words) > 1:
        cuts = [
            (" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))
        ]
    else:
        cuts = [(text[:i], text[i:]) for i in range(1, len(text))]
    return min(cuts, key=lambda c: max(measure(c[0]), measure(c[1])))


def draw_fitted(
    canvas: Canvas,
    fit: TextFit,
    font: str,
    x_centre: float,
    y_first: float,
    fallbacks: Sequence[str] = (),
) -> float:
    """Draw centred lines from a baseline downwards; return the last baseline."""
    canvas.setFont(font, fit.size)
    y = y_first
    fonts = (font, *fallbacks)
    for i, line in enumerate(fit.lines):
        y = y_first - i * fit.size * LEADING
        if fallbacks and not runs.is_plain(line, font):
            runs.draw(canvas, line, fonts, fit.size, x_centre, y, align="centre")
            canvas.setFont(font, fit.size)
        else:
            canvas.drawCentredString(x_centre, y, line)
    return y


def wrap_runs(text: str, fonts: Sequence[str], size: float, room: float) -> tuple[str, ...]:
    """``text`` in lines no wider than ``room`` (points), broken between words, measured as
    runs (font fallback, shaping); a word wider than ``room`` is broken between characters.
    Each line is put in display order on its own when drawn."""
    def fits(line: str) -> bool:
        return runs.width(line, fonts, size) <= room

    lines: list[str] = []
    for word in " ".join(text.split()).split(" "):
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
            continue
        while len(word) > 1 and not fits(word):
            cut = max((i for i in range(1, len(word)) if fits(word[:i])), default=1)
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return tuple(lines)


class RunsText(Flowable):
    """Lines drawn with ``runs.draw``: for names in tables and headings of the training
    record and the register, so Hebrew, Arabic, CJK and mixed names print there as on the
    certificate (a ``Paragraph`` or a table string uses one font and logical order)."""

    def __init__(self, lines: Sequence[str], fonts: Sequence[str], size: float, leading: float,
                 colour: Color) -> None:
        super().__init__()
        self.lines = tuple(lines)
        self._fonts = tuple(fonts)
        self._size = size
        self._leading = leading
        self._colour = colour

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = max(runs.width(line, self._fonts, self._size) for line in self.lines)
        self.height = len(self.lines) * self._leading
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setFillColor(self._colour)
        for i, line in enumerate(self.lines):
            y = self.height - self._size - i * self._leading  # baseline, as a table string's
            runs.draw(self.canv, line, self._fonts, self._size, 0, y)


def qr_widget(payload: str, size: float, level: str = "M") -> QrCodeWidget:
    """The QR code for ``payload``, ``size`` points square (its ``value`` is the payload)."""
    return QrCodeWidget(
        payload, barWidth=size, barHeight=size, barLevel=level, barBorder=QR_BORDER
    )


def draw_qr(
    canvas: Canvas, widget: QrCodeWidget, x: float, y: float, colour: Color
) -> None:
    """Draw a QR widget as one filled path of dark runs, in module units.

    Same modules as ``renderPDF.draw(Drawing(...))``, without a tree of hundreds of Rect
    shapes and a float formatting call per coordinate (that cost ~4 ms a code); the
    quiet zone is left unpainted (white paper).
    """
    qr: qrencoder.QRCode = widget.qr  # type: ignore[attr-defined]  # set by QrCodeWidget.__init__
    if qr.modules is None:
        make_qr(qr)
    count = qr.getModuleCount()
    box = widget.barWidth / (count + 2 * QR_BORDER)
    ops = [
        f"{start} {r} {length} 1.02 re"
        for r, row in enumerate(qr.modules)
        for start, length in _runs(row)
    ]
    canvas.saveState()
    canvas.setFillColor(colour)
    # module (row r, column c) spans [c, c+1] x [r, r+1], rows counted downwards
    canvas.transform(
        box, 0, 0, -box, x + QR_BORDER * box, y + widget.barHeight - QR_BORDER * box
    )
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def _runs(row: list[bool | None]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    runs: list[tuple[int, int]] = []
    c, count = 0, len(row)
    while c < count:
        if row[c]:
            start = c
            while c < count and row[c]:
                c += 1
            runs.append((start, c - start))
        else:
            c += 1
    return runs


_RUN = re.compile(rb"0{5,}|1{5,}")
_FINDER_LIKE = re.compile(rb"10111010000")
_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def make_qr(qr: qrencoder.QRCode) -> None:
    """``qr.make()`` with the same mask choice, found about six times faster.

    ReportLab scores each of the 8 masks with pure-Python list code (~10 ms of a 25 ms
    certificate budget); ``mask_penalty`` computes the identical score on strings and
    integers (a test checks the two agree), so the QR code is the standard's choice.
    """
    if qr.version is None:
        qr.version = qr.calculate_version()
    scores = []
    for mask in range(8):
        qr.makeImpl(True, mask)
        scores.append(mask_penalty(qr.modules))
    qr.makeImpl(False, scores.index(min(scores)))


def mask_penalty(modules: list[list[bool]]) -> int:
    """ReportLab's ``QRUtil.getLostPoint`` (including its rule 3 quirks), computed fast."""
    rows = [bytes(row).translate(_DIGITS) for row in modules]  # bools -> b"0110..."
    cols = [bytes(col) for col in zip(*rows, strict=True)]
    lines = rows + cols
    size = len(rows)
    found = [run for line in lines for run in _RUN.findall(line)]
    runs = sum(map(len, found)) - 2 * len(found)
    # ReportLab's rule 3 compares column tuples with a list, so only rows ever score,
    # and it stops one position short of the end of a row: reproduced on purpose.
    finder = sum(
        40 for row in rows for m in _FINDER_LIKE.finditer(row) if m.start() < size - 11
    )
    bits = [int(row, 2) for row in rows]
    low = (1 << (size - 1)) - 1
    blocks = 0
    for upper, lower in pairwise(bits):
        vertical = ~(upper ^ lower)
        blocks += (
            vertical & (vertical >> 1) & ~(upper ^ (upper >> 1)) & low
        ).bit_count()
    dark = sum(row.count(b"1") for row in rows)
    balance = 10 * (abs(100 * dark // (size * size) - 50) // 5)
    return runs + finder + 3 * blocks + balance


def new_canvas(
    buffer: io.BytesIO, pagesize: tuple[float, float], title: str, author: str
) -> Canvas:
    canvas = Canvas(buffer, pagesize=pagesize, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator("training-portal")
    return canvas
