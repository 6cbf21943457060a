"""Training register PDF render time, size and memory (budget: 500 staff x 10 modules < 2 s).

    .venv/bin/python bench/bench_register_pdf.py [--staff 500] [--modules 10] [--runs 9]

A venue of --staff people, each with a row per module (5,000 rows by default): names in
Latin with accents, Greek and Cyrillic; a realistic mix of statuses, a certificate code on
every passed row (seeded, so every run lays out the same pages), and a few long names and
titles that wrap. The design is loaded once before timing, as at app start-up; one untimed
warm-up render fills ReportLab's caches.

Time: wall clock, and the process's CPU time per render (far steadier than wall time when
other jobs share the cores). Memory: the process's resident size (RSS) before the first
render, after the warm-up and after the timed renders (flat when renders leave nothing
behind), and the peak Python allocation of one render (tracemalloc, in a separate untimed
render, since tracing slows Python down).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import Figure, write_json  # noqa: E402  (bench/, the script's folder)

from training_portal.certificates.codes import ALPHABET, LENGTH, format_code
from training_portal.certificates.design import load_design
from training_portal.certificates.register_pdf import RegisterData, RegisterRow, render_training_register

FIRST = ["Zoë", "Αλέξανδρος", "Анна", "Sam", "Priya", "Łukasz", "Siobhán", "Дмитрий", "Ελένη", "Mohammed"]
LAST = ["Ørsted", "Παπαδόπουλος", "Кузнецова", "O'Neill", "Raghunathan", "Wiśniewski", "Ní Bhriain", "Смирнов"]
LONG_NAME = "Maximiliana Alexandrina Konstantinopoulou de la Fuente y Montenegro Smythe"
TITLES = [
    "Recognising predatory behaviour",
    "Spiking: signs, response and reporting",
    "Ask for Angela and other safety schemes",
    "Welfare and vulnerability at closing time",
    "Safe ways home: taxis, transport and the walk",
    "Intervening safely as a bystander",
    "Recording and reporting incidents to the police",
    "Supporting someone who discloses harassment or assault, and knowing where to refer them",
    "Door supervision and the queue",
    "Drugs, alcohol and consent",
]
# (status, passed?) with roughly the spread of a venue part-way through a programme
STATUSES = [("In date", True)] * 6 + [
    ("Due soon", True),
    ("Expired", True),
    ("Refresher needed (updated)", True),
    ("Not started", False),
    ("In progress", False),
]


def sample(staff: int, modules: int) -> RegisterData:
    rng = random.Random(2026)  # the same codes every run, so the same layout and page count
    rows = []
    for p in range(staff):
        name = LONG_NAME if p % 97 == 0 else f"{FIRST[p % len(FIRST)]} {LAST[(p // 3) % len(LAST)]} {p:03d}"
        for m in range(modules):
            status, passed = STATUSES[(p * 7 + m * 3) % len(STATUSES)]
            on = date(2026, 1, 1) + timedelta(days=(p * 13 + m * 5) % 300)
            rows.append(
                RegisterRow(
                    person_name=name,
                    module_title=TITLES[m % len(TITLES)],
                    module_version=f"{1 + m % 3}.{m % 4}" if passed else "",
                    passed_on=on if passed else None,
                    valid_until=on + timedelta(days=365) if passed else None,
                    status_label=status,
                    certificate_code=format_code("".join(rng.choices(ALPHABET, k=LENGTH))) if passed else None,
                )
            )
    return RegisterData(
        venue_name="The Crown and Anchor",
        venue_address="1 High Street\nMarket Town MT1 2AB",
        licence_number="PL/2024/0173",
        policy_lines=(
            "Every member of staff completes all modules within 14 days of their first shift.",
            "Refresher training is due every 12 months, or sooner when a module is updated.",
        ),
        generated_on=date(2026, 11, 30),
        verify_address="https://training.safernights.org.uk/verify",
        rows=tuple(rows),
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def rss_mb() -> float:
    """Resident size now (Linux); elsewhere the peak so far, which can only rise."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=500)
    parser.add_argument("--modules", type=int, default=10)
    parser.add_argument("--runs", type=int, default=9, help="timed renders (p95 of few runs is close to the max)")
    parser.add_argument("--json", help="also write the figures to this file (run_all.py)")
    args = parser.parse_args()
    design = load_design()
    data = sample(args.staff, args.modules)
    rss_start = rss_mb()
    pdf = render_training_register(data, design)  # warm-up
    rss_warm = rss_mb()
    timings, cpu = [], []
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        pdf = render_training_register(data, design)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    rss_end = rss_mb()
    tracemalloc.start()
    render_training_register(data, design)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, load average {load}")
    print(f"{len(data.rows):,} rows ({args.staff} staff x {args.modules} modules), {args.runs} timed renders")
    print(
        f"median: {statistics.median(timings):.0f} ms   p95: {percentile(timings, 0.95):.0f} ms   "
        f"min: {min(timings):.0f} ms   max: {max(timings):.0f} ms"
    )
    print(f"CPU time: median {statistics.median(cpu):.0f} ms   max {max(cpu):.0f} ms")
    print(f"size: {len(pdf) / 1024:.0f} KB   pages: {pages}")
    print(
        f"RSS: {rss_start:.0f} MB before the first render, {rss_warm:.0f} MB after it, "
        f"{rss_end:.0f} MB after {args.runs} more; one render's peak allocation {traced_peak / 2**20:.0f} MB"
    )
    median_cpu = statistics.median(cpu)
    write_json(args.json, "register_pdf", [
        Figure(f"register PDF, {args.staff} staff × {args.modules} modules: CPU median", median_cpu,
               "ms", "< 2,000 ms", median_cpu < 2000),
        Figure("register PDF: RSS growth over the timed renders", rss_end - rss_warm, "MB", "flat"),
    ], [f"{args.runs} renders in process (renderer only); wall median {statistics.median(timings):.0f} ms"])


if __name__ == "__main__":
    main()
