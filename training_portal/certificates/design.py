"""The certificate design: wording, colours, signatory, logo and fonts from design.yaml.

Loaded once at start-up; the result is a frozen value passed to the pure renderers.

Font lookup, for each of ``fonts.regular``, ``fonts.bold`` and the ``fallback_fonts``
(file names):
1. ``<design folder>/fonts/<name>``; an absolute path is used as it is;
2. ``/usr/share/fonts/truetype/dejavu/`` and ``/usr/share/fonts/truetype/noto/`` (Debian);
3. the shipped ``certificates/fonts/`` folder (a design folder without its own copies).
Defaults are ``DejaVuSans.ttf`` and ``DejaVuSans-Bold.ttf``, which cover Latin, Greek
and Cyrillic; the shipped ``fallback_fonts`` add Hebrew, Arabic and CJK. A missing file
(or a fallback that is not TrueType) is an error at load time, never a black box in a PDF.
Fallback fonts are read only when a name first needs one (``runs.defer_font``).
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from PIL import Image
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from training_portal.certificates.runs import defer_font, uncovered

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "certificates"
SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
NOTO_FONT_DIR = Path("/usr/share/fonts/truetype/noto")  # Debian's fonts-noto-core
BODY_PLACEHOLDERS = frozenset({"issuer", "module_title", "module_version"})
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_TRUETYPE_MAGIC = (b"\x00\x01\x00\x00", b"true", b"ttcf")


class DesignError(ValueError):
    """design.yaml or a file it names is missing or invalid."""


@dataclass(frozen=True)
class Colours:
    primary: Color
    accent: Color
    text: Color
    muted: Color


@dataclass(frozen=True)
class Design:
    folder: Path
    issuer: str
    title: str
    intro: str
    body: str
    signatory_name: str
    signatory_role: str
    colours: Colours
    font_regular: str  # ReportLab font names, registered by load_design
    font_bold: str
    logo: Path | None
    poster_heading: str
    record_title: str
    #: Fallback fonts (registered names), tried after the design's font; see runs.py.
    fallback_regular: tuple[str, ...] = ()
    fallback_bold: tuple[str, ...] = ()

    @property
    def regular_fonts(self) -> tuple[str, ...]:
        return (self.font_regular, *self.fallback_regular)

    @property
    def bold_fonts(self) -> tuple[str, ...]:
        return (self.font_bold, *self.fallback_bold)

    def body_text(self, module_title: str, module_version: str) -> str:
        return self.body.format(
            issuer=self.issuer, module_title=module_title, module_version=module_version
        )

    def logo_image(self) -> ImageReader | None:
        return _image_reader(self.logo) if self.logo else None


def load_design(folder: Path = DEFAULT_FOLDER) -> Design:
    source = folder / "design.yaml"
    raw = _read_yaml(source)
    colours = _mapping(raw, "colours", source)
    signatory = _mapping(raw, "signatory", source)
    fonts = raw.get("fonts") or {}
    fallbacks = _fallbacks(raw, source)
    return Design(
        folder=folder,
        issuer=_text(raw, "issuer", source),
        title=_text(raw, "title", source),
        intro=_text(raw, "intro", source, "This is to certify that"),
        body=_body_template(raw, source),
        signatory_name=_text(signatory, "name", source, prefix="signatory."),
        signatory_role=_text(signatory, "role", source, prefix="signatory."),
        colours=Colours(
            **{
                k: _colour(colours, k, source)
                for k in ("primary", "accent", "text", "muted")
            }
        ),
        font_regular=register_font(
            find_font(folder, str(fonts.get("regular") or "DejaVuSans.ttf"))
        ),
        font_bold=register_font(
            find_font(folder, str(fonts.get("bold") or "DejaVuSans-Bold.ttf"))
        ),
        logo=_logo(folder, raw.get("logo"), source),
        poster_heading=_text(
            raw, "poster_heading", source, "Staff: do your safety training"
        ),
        record_title=_text(raw, "record_title", source, "Training record"),
        fallback_regular=tuple(fallback_font(find_font(folder, f["regular"])) for f in fallbacks),
        fallback_bold=tuple(fallback_font(find_font(folder, f["bold"])) for f in fallbacks),
    )


def _fallbacks(raw: dict[str, Any], source: Path) -> list[dict[str, str]]:
    """``fallback_fonts``: a list of ``{regular: file, bold: file}``, tried in order."""
    value = raw.get("fallback_fonts") or []
    if not isinstance(value, list):
        raise DesignError(f"{source}: fallback_fonts must be a list of {{regular, bold}}")
    for i, item in enumerate(value):
        if not (
            isinstance(item, dict)
            and all(isinstance(item.get(k), str) and item[k].strip() for k in ("regular", "bold"))
        ):
            raise DesignError(
                f"{source}: fallback_fonts[{i}] must have regular and bold font file names"
            )
    return [{k: str(item[k]).strip() for k in ("regular", "bold")} for item in value]


def find_font(folder: Path, name: str) -> Path:
    base = Path(name).name
    candidates = [folder / "fonts" / name, SYSTEM_FONT_DIR / base, NOTO_FONT_DIR / base,
                  DEFAULT_FOLDER / "fonts" / base]
    for path in candidates:
        if path.is_file():
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise DesignError(f"font file {name!r} not found (looked in: {tried})")


def register_font(path: Path) -> str:
    """Register a TTF with ReportLab once per file; return its font name."""
    return _register(path.resolve())


def _font_name(path: Path) -> str:
    digest = hashlib.sha1(str(path).encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{path.stem}-{digest}"


def fallback_font(path: Path) -> str:
    """A fallback font's name; the file is read when a name first needs it (``runs``).

    Checked now as far as is cheap: a TrueType file or collection. OpenType/CFF (``OTTO``)
    is refused, as ReportLab cannot embed CFF outlines.
    """
    path = path.resolve()
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic not in _TRUETYPE_MAGIC:
        raise DesignError(f"cannot use font {path}: not a TrueType (.ttf or .ttc) file")
    name = _font_name(path)
    defer_font(name, str(path))
    return name


@cache
def _register(path: Path) -> str:
    name = _font_name(path)
    try:
        pdfmetrics.registerFont(TTFont(name, str(path)))
    except Exception as exc:  # ReportLab raises several types for a bad TTF
        raise DesignError(f"cannot use font {path}: {exc}") from exc
    return name


@lru_cache(maxsize=8)
def _image_reader(path: Path) -> ImageReader:
    """The logo flattened onto white paper, read once.

    ReportLab re-encodes an image in every document; without an alpha channel it has
    one stream to compress instead of two (the logo is always printed on white).
    """
    with Image.open(path) as image:
        rgba = image.convert("RGBA")
    paper = Image.new("RGB", rgba.size, (255, 255, 255))
    paper.paste(rgba, mask=rgba.getchannel("A"))
    return ImageReader(paper)


def _read_yaml(source: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DesignError(f"{source}: file not found") from None
    except yaml.YAMLError as exc:
        raise DesignError(f"{source}: invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise DesignError(f"{source}: expected a mapping of keys at the top level")
    return raw


def _mapping(raw: dict[str, Any], key: str, source: Path) -> dict[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise DesignError(f"{source}: {key!r} must be a mapping")
    return value


def _text(
    raw: dict[str, Any],
    key: str,
    source: Path,
    default: str | None = None,
    prefix: str = "",
) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise DesignError(f"{source}: {prefix}{key} must be a non-empty string")
    return value.strip()


def _colour(colours: dict[str, Any], key: str, source: Path) -> Color:
    value = colours.get(key)
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise DesignError(
            f'{source}: colours.{key} must be a quoted hex colour like "#1F3A5F", got {value!r}'
        )
    return HexColor(value)


def _body_template(raw: dict[str, Any], source: Path) -> str:
    body = _text(raw, "body", source)
    try:
        fields = [
            f for _, f, spec, conv in string.Formatter().parse(body) if f is not None
        ]
    except ValueError as exc:
        raise DesignError(
            f"{source}: body: {exc} (write {{{{ and }}}} for braces)"
        ) from exc
    unknown = sorted(set(fields) - BODY_PLACEHOLDERS)
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in sorted(BODY_PLACEHOLDERS))
        raise DesignError(
            f"{source}: body: unknown placeholder {unknown}; allowed: {allowed}"
        )
    return body


def _logo(folder: Path, value: Any, source: Path) -> Path | None:
    if value in (None, ""):
        return None
    path = folder / str(value)
    if not path.is_file():
        raise DesignError(f"{source}: logo file {path} not found")
    if path.read_bytes()[:8] != _PNG_MAGIC:
        raise DesignError(f"{source}: logo {path} is not a PNG file")
    return path


def unprintable_characters(text: str, design: Design) -> str:
    """The characters of ``text`` the certificate cannot print properly, in order, once each.

    A character counts as printable when the regular and the bold sets of fonts (the
    design's font, then its ``fallback_fonts``) each have a glyph for it (their TrueType
    cmap). Right-to-left letters are printable when a font has them: names are put in
    display order and shaped (``runs.py``). Scripts with no font (CJK by default) are not.
    """
    missing = uncovered(text, design.regular_fonts)
    missing += [ch for ch in uncovered(text, design.bold_fonts) if ch not in missing]
    return "".join(sorted(missing, key=text.index))
