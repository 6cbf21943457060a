"""PDFs in tests: a sample certificate, and reading their text (pypdf) and their QR code
(pdftoppm + zbarimg)."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from training_portal.certificates.pdf import CertificateData

#: A certificate's printed facts, fixed; tests replace the parts they are about.
SAMPLE_CERTIFICATE = CertificateData(
    holder_name="Zoë Łukasiewicz",
    module_title="Spotting predatory behaviour",
    module_version="3",
    passed_on=date(2025, 3, 12),
    expires_on=date(2026, 3, 12),
    code="K7QM-3XWD-9TRF-H2PN",
    verify_url="https://training.example.org/verify/K7QM3XWD9TRFH2PN",
)


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
