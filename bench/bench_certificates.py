"""Certificate PDF render speed and size (budget: median <= 25 ms, <= 150 KB).

    .venv/bin/python bench/bench_certificates.py [-n 300]

Every render gets a different holder, code and verify URL, so no QR code is reused.
The design is loaded (fonts registered, logo read) once before timing, as at app start-up.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import Figure, write_json  # noqa: E402  (bench/, the script's folder)

from training_portal.certificates.codes import new_code, normalise
from training_portal.certificates.design import load_design
from training_portal.certificates.pdf import CertificateData, render_certificate

NAMES = [
    "Zoë Łukasiewicz",
    "Αλέξης Παπαδόπουλος",
    "Ахмед Мұхамеджан",
    "Sam O'Neill",
    "Priya Raghunathan",
]


def sample(i: int) -> CertificateData:
    code = new_code()
    return CertificateData(
        holder_name=NAMES[i % len(NAMES)],
        module_title="Spotting predatory behaviour in bars and clubs",
        module_version="3",
        passed_on=date(2025, 3, 12),
        expires_on=date(2026, 3, 12),
        code=code,
        verify_url=f"https://training.safernights.org.uk/verify/{normalise(code)}",
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="certificates to render")
    parser.add_argument("--json", help="also write the figures to this file (run_all.py)")
    args = parser.parse_args()
    design = load_design()
    samples = [sample(i) for i in range(args.n)]
    render_certificate(samples[0], design)  # warm-up: first-use caches in ReportLab
    timings, sizes = [], []
    started = time.perf_counter()
    for data in samples:
        t0 = time.perf_counter()
        pdf = render_certificate(data, design)
        timings.append((time.perf_counter() - t0) * 1000)
        sizes.append(len(pdf))
    elapsed = time.perf_counter() - started
    print(
        f"python {platform.python_version()}, {platform.machine()}, {args.n} certificates"
    )
    print(f"PDFs per second: {args.n / elapsed:.1f}")
    print(
        f"median: {statistics.median(timings):.1f} ms   p95: {percentile(timings, 0.95):.1f} ms"
    )
    print(
        f"size: {statistics.median(sizes) / 1024:.1f} KB median, {max(sizes) / 1024:.1f} KB max"
    )
    median, biggest = statistics.median(timings), max(sizes) / 1024
    write_json(args.json, "certificates", [
        Figure("certificate PDF render, median", median, "ms", "≤ 15 ms", median <= 15),
        Figure("certificate PDF size, largest", biggest, "KB", "≤ 150 KB", biggest <= 150),
    ], [f"{args.n} certificates rendered in process, each a different name and code"])


if __name__ == "__main__":
    main()
