"""Names in several scripts: font fallback, bidirectional order and shaping.

A name is split into runs, each drawn in one font: a character goes to the first font
that has it (the design's font, then its fallbacks), except right-to-left letters (Hebrew,
Arabic), which prefer the fallbacks (fonts made for those scripts, with full joining
tables) and only then the design's font. Spaces, punctuation and combining marks stay in
the run they follow when its font has them.

Arabic letters are first given their joining forms (initial, medial, final, isolated)
and lam-alef ligatures by ``arabic-reshaper`` (pure Python, no dependencies), which
swaps them for the Arabic Presentation Forms code points (U+FB50–U+FDFF, U+FE70–U+FEFF)
that Noto Sans Arabic has glyphs for. ReportLab draws one glyph per code point, without
OpenType shaping, so this is what makes the letters join. Vowel marks (harakat, optional in written Arabic) are
left out: without glyph positioning they would sit beside their letter, not above it.

The runs are then put in display order by the Unicode bidirectional algorithm
(python-bidi's ``get_display``, run over the whole name) and drawn as they are, left to
right. Letters of other joining or reordering scripts (Syriac, N'Ko, Devanagari, …) and the
Arabic-script letters ``arabic-reshaper`` has no forms for (some Kurdish, Pashto and
Sindhi letters; Arabic, Persian and Urdu are covered) are not shaped, so they are
refused at entry (``needs_shaping``) and the person gives a name as printed; so are
characters no font has (Ethiopic, for one).

CJK names print in WenQuanYi Micro Hei, the last fallback (one weight, so also on bold
lines); like every font, only the glyphs a PDF uses are embedded.

Fast path: a name the design's font covers entirely, with no right-to-left character, is
one plain run (no bidi, no shaping), as before fallbacks existed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from threading import Lock

from arabic_reshaper import ArabicReshaper
from arabic_reshaper.letters import LETTERS_ARABIC
from bidi import get_display
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

_RTL = frozenset({"R", "AL"})
#: Blocks ``arabic-reshaper`` shapes: Arabic, Arabic Supplement, Arabic Extended-A and the
#: two Presentation Forms blocks (already shaped).
ARABIC_BLOCKS = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                 (0xFE70, 0xFEFF))
#: Scripts that join or reorder letters and are not shaped here (a font may still have
#: their letters, e.g. DejaVu Sans has N'Ko): N'Ko, the Indic scripts from Devanagari to
#: Sinhala, Myanmar, Khmer, Mongolian, Adlam.
COMPLEX_BLOCKS = ((0x07C0, 0x07FF), (0x0900, 0x0DFF), (0x1000, 0x109F), (0x1780, 0x17FF),
                  (0x1800, 0x18AF), (0x1E900, 0x1E95F))
#: arabic-reshaper's defaults, less the word ligature for "Allah" (U+FDF2): a name is
#: printed letter by letter, as browsers draw it with Noto Sans Arabic. Lam-alef stays.
_RESHAPER = ArabicReshaper(
    configuration={"delete_harakat": True, "ARABIC LIGATURE ALLAH": False},
    configuration_file=None,
)
_LTR = frozenset({"L", "EN", "AN"})  # digits are laid out left to right in display order


@dataclass(frozen=True)
class Run:
    text: str  # display order
    font: str
    rtl: bool
    width: float  # at size 1


#: Fallback fonts named but not read yet: font name -> file (see ``defer_font``).
_DEFERRED: dict[str, str] = {}
_LOADING = Lock()


def defer_font(name: str, path: str) -> None:
    """Register the TTF at ``path`` as ``name`` when a name first needs it.

    A CJK font costs a process about 25 MB and 0.1 s to read; most processes never print
    a character only it has (a character goes to the first font that has it, so a font
    is only looked at once the fonts before it lack the character).
    """
    if name not in pdfmetrics.getRegisteredFontNames():
        _DEFERRED[name] = path


def _ensure(font_name: str) -> None:
    if font_name in _DEFERRED:
        with _LOADING:
            path = _DEFERRED.get(font_name)
            if path is not None:
                pdfmetrics.registerFont(TTFont(font_name, path))
                del _DEFERRED[font_name]


@cache
def cmap(font_name: str) -> frozenset[int]:
    """The code points ``font_name`` (a registered or deferred TTF) has glyphs for.

    Every font ``runs`` draws with has been through here first, so a deferred font is
    registered before ReportLab is asked to measure or draw with it.
    """
    _ensure(font_name)
    face = pdfmetrics.getFont(font_name).face  # type: ignore[attr-defined]
    return frozenset(face.charToGlyph)


def is_plain(text: str, font: str) -> bool:
    """True when ``font`` draws ``text`` as it is: every character covered, none right-to-left."""
    covered = cmap(font)
    return all(
        ord(ch) in covered and unicodedata.bidirectional(ch) not in _RTL for ch in text
    )


def font_for(ch: str, fonts: Sequence[str]) -> str | None:
    """The font that draws ``ch``: right-to-left letters prefer the fallbacks."""
    order = [*fonts[1:], fonts[0]] if unicodedata.bidirectional(ch) in _RTL else fonts
    for font in order:
        if ord(ch) in cmap(font):
            return font
    return None


def is_arabic(ch: str) -> bool:
    return any(low <= ord(ch) <= high for low, high in ARABIC_BLOCKS)


def needs_shaping(ch: str) -> bool:
    """A letter this module cannot shape: an Arabic-script letter ``arabic-reshaper`` has
    no joining forms for (some Pashto, Sindhi and Kurdish letters), a joining letter (class
    AL) outside Arabic (Syriac, Mandaic, …), or a script in ``COMPLEX_BLOCKS``."""
    code = ord(ch)
    if any(low <= code <= high for low, high in COMPLEX_BLOCKS):
        return True
    if is_arabic(ch):
        return code < 0x0900 and unicodedata.category(ch) == "Lo" and ch not in LETTERS_ARABIC
    return unicodedata.bidirectional(ch) == "AL"


def shape(text: str) -> str:
    """``text`` with its Arabic letters in their joining forms (logical order kept)."""
    if not any(is_arabic(ch) for ch in text):
        return text
    return str(_RESHAPER.reshape(text))


def uncovered(text: str, fonts: Sequence[str]) -> list[str]:
    """Characters of ``text`` (not white space) that none of ``fonts`` draws properly, once each.

    An Arabic letter counts as drawn when the fonts have the joining forms it takes in
    ``text`` (reported as the letter typed, not its presentation form).
    """
    missing: list[str] = []
    for ch in text:
        if ch.isspace() or ch in missing:
            continue
        if needs_shaping(ch) or font_for(ch, fonts) is None:
            missing.append(ch)
    if any(is_arabic(ch) and font_for(ch, fonts) is None for ch in shape(text)):
        missing += [ch for ch in text if is_arabic(ch) and ch not in missing]
    return list(dict.fromkeys(missing))


def runs(text: str, fonts: Sequence[str]) -> tuple[Run, ...]:
    """``text`` as display-order runs over ``fonts`` (the design's font first)."""
    if not fonts[1:] or is_plain(text, fonts[0]):
        return (Run(text, fonts[0], False, stringWidth(text, fonts[0], 1.0)),)
    return _runs(text, tuple(fonts))


#: Zero-width non-joiner and joiner: Persian and Indic names use them to stop or force a join.
#: Shaping has used them; drawn, a font shows a mark or a box, so they are dropped.
_JOINER_CONTROLS = {0x200C: None, 0x200D: None}


@lru_cache(maxsize=1024)
def _runs(text: str, fonts: tuple[str, ...]) -> tuple[Run, ...]:
    visual = get_display(shape(text)).translate(_JOINER_CONTROLS)
    pieces: list[tuple[str, bool, list[str]]] = []  # font, rtl, characters
    for ch in visual:
        cls = unicodedata.bidirectional(ch)
        rtl = True if cls in _RTL else False if cls in _LTR else None
        neutral = rtl is None or unicodedata.category(ch)[0] in "MZP"
        best = font_for(ch, fonts)
        if pieces:
            font, run_rtl, chars = pieces[-1]
            # A letter joins the run only in its own best font (a CJK fallback also has
            # Latin letters, which belong in the design's font); white space and
            # punctuation stay with the run they follow when its font has them.
            if (ord(ch) in cmap(font) if neutral else best == font and rtl == run_rtl):
                chars.append(ch)
                continue
        font = best or fonts[0]  # uncovered: refused at entry; draw a box
        pieces.append((font, bool(rtl), [ch]))
    return tuple(
        Run("".join(chars), font, rtl, stringWidth("".join(chars), font, 1.0))
        for font, rtl, chars in pieces
    )


def width(text: str, fonts: Sequence[str], size: float = 1.0) -> float:
    return sum(r.width for r in runs(text, fonts)) * size


def draw(canvas: Canvas, text: str, fonts: Sequence[str], size: float, x: float, y: float,
         align: str = "left") -> None:
    """Draw ``text`` at size ``size``; ``x`` is its left edge, centre or right edge."""
    parts = runs(text, fonts)
    total = sum(r.width for r in parts) * size
    x -= {"left": 0.0, "centre": total / 2, "right": total}[align]
    for part in parts:
        canvas.setFont(part.font, size)
        canvas.drawString(x, y, part.text)
        x += part.width * size
