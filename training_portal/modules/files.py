"""Reading trainers' files safely: never outside the content folder, never too big, never a device."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from training_portal.problems import Problem, display_path, error, warning

KB = 1024
MODULE_MD_LIMIT = 200 * KB
QUIZ_YAML_LIMIT = 200 * KB
IMAGE_LIMIT = 2 * 1024 * KB
IMAGE_ADVISED = 200 * KB  # docs/writing-content.md: bigger pictures are slow on a basement's signal
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
#: Control characters no editor shows (NUL, escape, DEL, C1…); tab and line ends are fine.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def outside_problem(path: Path, content_dir: Path) -> Problem | None:
    """An error if `path` (after following symlinks) is not inside the content folder."""
    root = content_dir.resolve()
    try:
        target = path.resolve()
    except (OSError, RuntimeError):
        return error(
            display_path(path, content_dir), None, "this link cannot be followed — replace it with a real file"
        )
    if target == root or root in target.parents:
        return None
    return error(
        display_path(path, content_dir),
        None,
        "this is a link to something outside the content folder, which is never read — "
        "replace it with a real file or folder",
    )


def read_limited(path: Path, content_dir: Path, limit: int) -> tuple[bytes | None, Problem | None]:
    """The bytes of a regular file inside the content folder, or a problem saying why not."""
    shown = display_path(path, content_dir)
    outside = outside_problem(path, content_dir)
    if outside:
        return None, outside
    try:
        fd = os.open(path.resolve(), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return None, error(
            shown, None, f"this file cannot be opened ({exc.strerror}) — check that it exists and can be read"
        )
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None, error(shown, None, "this is not an ordinary file — replace it with a real file")
        if info.st_size > limit:
            return None, error(
                shown,
                None,
                f"this file is {_size(info.st_size)}, more than the limit of {_size(limit)} — make it smaller",
            )
        data = handle.read(limit + 1)
    if len(data) > limit:
        return None, error(shown, None, f"this file is more than the limit of {_size(limit)} — make it smaller")
    return data, None


def looks_utf16(data: bytes) -> bool:
    """UTF-16 (with or without its byte order mark): most English text has a NUL every other byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    half = len(data) // 2
    return half >= 8 and max(data[0::2].count(0), data[1::2].count(0)) * 2 > half


def decode_text(data: bytes, shown: str) -> tuple[str | None, Problem | None]:
    if looks_utf16(data):
        return None, error(
            shown, None, "this file is saved as UTF-16 — save it as UTF-8 in your editor (Save As, encoding UTF-8)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, error(shown, None, "this file is not saved as UTF-8 text — save it again as UTF-8 in your editor")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = CONTROL_CHARACTER.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        code = f"U+{ord(found.group()):04X}"
        name = "a NUL byte" if found.group() == "\x00" else f"an invisible control character ({code})"
        return None, error(shown, line, f"this line holds {name} — delete it, or retype the line in your editor")
    return text, None


def image_media_type(data: bytes) -> str | None:
    """The media type from the file's first bytes, whatever its name says."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_size_problem(data: bytes, shown: str) -> Problem | None:
    """A warning for a picture over the size the guide advises (it still loads)."""
    if len(data) <= IMAGE_ADVISED:
        return None
    return warning(
        shown,
        None,
        f"this picture is {_size(len(data))}, more than the advised {_size(IMAGE_ADVISED)}: staff on a poor signal "
        "wait for it — make it smaller (for example 800 pixels wide, saved as JPEG or WebP)",
    )


def _size(n: int) -> str:
    return f"{n / (1024 * KB):.1f} MB" if n >= 1024 * KB else f"{-(-n // KB)} KB"
