"""Reading PDFs in tests: their text (pypdf) and their QR code (pdftoppm + zbarimg)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def decode_qr(pdf: bytes, tmp_path: Path) -> str | None:
    """The QR payload read by zbarimg from a 150 dpi render, or None without the tools."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        return None
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile",
                    str(tmp_path / "doc.pdf"), str(tmp_path / "page")], check=True)
    found = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "page.png")],
                           capture_output=True, text=True, check=True)
    return found.stdout.strip()
