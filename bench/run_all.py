"""Run every benchmark and rewrite the summary at the top of docs/benchmarks.md.

    .venv/bin/python bench/run_all.py            # make bench: the whole set, ~20-25 minutes
    .venv/bin/python bench/run_all.py --quick    # make bench BENCH_QUICK=1: a smoke run
    .venv/bin/python bench/run_all.py --only side_by_side memory

Each script runs as its own process with ``--json bench/out/<name>.json`` (its figures, see
figures.py); its output goes to ``bench/out/<name>.log``. A script that fails or times out is
recorded as "did not run" and counts as missed. The summary (machine, date, load average at
start and end, each figure against its budget: met / missed) replaces what lies between
``<!-- bench:summary:start -->`` and ``<!-- bench:summary:end -->`` in docs/benchmarks.md;
the hand-written narrative below it is kept. A quick run writes bench/out/summary.md only:
its figures are too rough to record.

The dashboards at scale (partnership, trainer insights, admin search) read one full-scale
programme database: generate_programme.py builds it once per run, as the step "programme"
(before the first of them, also when ``--only`` names one of them), and it is dropped when
the run ends, whatever happened.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from figures import Figure, read_json  # noqa: E402

ROOT = BENCH_DIR.parent
OUT = BENCH_DIR / "out"
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:summary:start -->", "<!-- bench:summary:end -->"
#: The PostgreSQL server the PostgreSQL benches make their scratch databases on (pg_bench_*).
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
#: The shared programme database of this run (pg_bench_dash_*), see generate_programme.py.
PROGRAMME_DB = f"pg_bench_dash_programme_{os.getpid()}"
PROGRAMME = ("--postgres", POSTGRES, "--db", PROGRAMME_DB)


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    args: tuple[str, ...] = ()
    quick: tuple[str, ...] = ("--quick",)
    timeout: int = 900
    title: str = ""
    programme: bool = False  # reads the shared programme database (the "programme" step)


BENCHES = [
    Bench("side_by_side", "bench_side_by_side.py", title="Portal against a minimal Flask app"),
    Bench("locust", "bench_locust.py", ("--nginx",),
          title="Shift-start rush, Locust (nginx, PostgreSQL + Redis)"),
    Bench("memory", "bench_memory.py", title="Worker memory"),
    Bench("poor_signal", "bench_poor_signal.py", title="Poor signal, Chromium"),
    Bench("lighthouse", "bench_lighthouse.py", title="Lighthouse"),
    Bench("module_page", "bench_module_page.py", quick=("--rounds", "1", "--seconds", "3"),
          title="Lesson page: no parsing per request"),
    Bench("quiz_submit", "bench_quiz_submit.py", ("--postgres", POSTGRES), quick=("-n", "20"),
          title="Quiz submit"),
    Bench("login", "bench_login.py", title="Log-in"),
    Bench("certificates", "bench_certificates.py", quick=("-n", "30"), title="Certificate PDF"),
    Bench("register_pdf", "bench_register_pdf.py", quick=("--runs", "2"), title="Register PDF"),
    Bench("venue_overview", "bench_venue_overview.py", ("--postgres", POSTGRES), quick=("-n", "5"),
          title="Venue training matrix"),
    Bench("reminders", "bench_reminders.py", ("--postgres", POSTGRES),
          title="Reminders (PostgreSQL)"),
    Bench("programme", "generate_programme.py", PROGRAMME, timeout=1200,
          title="Programme at scale (shared by the three below)"),
    Bench("partnership", "bench_partnership.py", PROGRAMME, programme=True,
          title="Partnership overview and report"),
    Bench("question_stats", "bench_question_stats.py", PROGRAMME, programme=True,
          title="Trainer insights"),
    Bench("admin_search", "bench_admin_search.py", PROGRAMME, programme=True, title="Admin search"),
]


@dataclass
class Outcome:
    bench: Bench
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def machine() -> dict[str, str]:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                 platform.machine())
    return {"cores": str(os.cpu_count()), "python": platform.python_version(), "cpu": model,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "reference": f"{speed_reference():.3f}"}


def speed_reference(requests: int = 500, rounds: int = 5) -> float:
    """Milliseconds of CPU per request of a minimal Flask app through its test client (the
    median of ``rounds``): how fast this machine is today. The same model name has measured
    twice as slow on another day (the minimal app at 0.35 and at 0.72 ms under gunicorn), so
    figures in milliseconds compare only between runs whose references are close; ratios
    against the minimal app carry over."""
    from flask import Flask

    app = Flask("reference")
    app.add_url_rule("/", "page", lambda: "<p>reference</p>" * 100)
    client = app.test_client()
    timings = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(requests):
            client.get("/")
        timings.append((time.process_time() - started) * 1000 / requests)
    return sorted(timings)[rounds // 2]


def run(bench: Bench, quick: bool) -> Outcome:
    """Run one script; its figures, or one missed "did not run" figure with the last error line."""
    OUT.mkdir(exist_ok=True)
    out_json, log = OUT / f"{bench.name}.json", OUT / f"{bench.name}.log"
    out_json.unlink(missing_ok=True)
    command = [sys.executable, str(BENCH_DIR / bench.script), *bench.args,
               *(bench.quick if quick else ()), "--json", str(out_json)]
    started = time.monotonic()
    with log.open("w") as output:
        try:
            code = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT,
                                  timeout=bench.timeout, check=False).returncode
        except subprocess.TimeoutExpired:
            code = -1
    seconds = time.monotonic() - started
    if code == 0 and out_json.exists():
        _, figures, notes = read_json(out_json)
        return Outcome(bench, figures, notes, seconds)
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    reason = "timed out" if code == -1 else (lines[-1][:160] if lines else f"exit {code}")
    return Outcome(bench, [Figure(f"{bench.script} did not run", None, "", "runs", False)],
                   [f"{bench.script}: {reason} (see bench/out/{bench.name}.log)"], seconds)


def chosen(only: list[str] | None) -> list[Bench]:
    """The benches to run, in order: the programme step too when a chosen one reads it."""
    if not only:
        return list(BENCHES)
    needs_programme = any(b.programme for b in BENCHES if b.name in only)
    return [b for b in BENCHES if b.name in only or (b.name == "programme" and needs_programme)]


def not_run(bench: Bench, reason: str) -> Outcome:
    return Outcome(bench, [Figure(f"{bench.script} did not run", None, "", "runs", False)],
                   [f"{bench.script}: {reason}"])


def drop_programme() -> None:
    subprocess.run([sys.executable, str(BENCH_DIR / "generate_programme.py"), "--drop", *PROGRAMME],
                   cwd=ROOT, check=False)


def run_chosen(benches: list[Bench], quick: bool) -> list[Outcome]:
    """Each bench in turn (printing its figures); the programme database is dropped at the end."""
    outcomes: list[Outcome] = []
    programme_ready = False
    try:
        for bench in benches:
            print(f"{bench.name} …", flush=True)
            if bench.programme and not programme_ready:
                outcomes.append(not_run(bench, "the shared programme database was not generated"))
            else:
                outcomes.append(run(bench, quick))
            if bench.name == "programme":
                programme_ready = outcomes[-1].figures[0].value is not None
            for figure in outcomes[-1].figures:
                print(f"  {figure.name}: {figure.shown()} {verdict(figure)}", flush=True)
    finally:
        if any(b.name == "programme" for b in benches):
            drop_programme()
    return outcomes


def verdict(figure: Figure) -> str:
    return {True: "met", False: "**missed**", None: "—"}[figure.met]


def summary_block(facts: dict[str, str], outcomes: list[Outcome], quick: bool = False) -> str:
    """The generated block, markers included: machine, date, load, a table of figures."""
    figures = [f for o in outcomes for f in o.figures]
    missed = sum(1 for f in figures if f.met is False)
    met = sum(1 for f in figures if f.met is True)
    lines = [START, "",
             f"## Latest run ({'quick smoke run, not for the record' if quick else 'make bench'})",
             "",
             f"Generated by `bench/run_all.py` on {facts['date']}: {facts['cores']} cores "
             f"({facts['cpu']}), Python {facts['python']}; load average "
             f"{facts['load_start']} at the start, {facts.get('load_end', '?')} at the end "
             "(other engineers share the machine: compare CPU figures, not wall times). "
             f"Speed reference: a minimal Flask app costs {facts.get('reference', '?')} ms of CPU "
             "per request through its test client here (`run_all.speed_reference`); figures in "
             "milliseconds compare only between runs with close references. "
             f"**{met} met, {missed} missed.**", "",
             "| bench | figure | measured | budget | |", "| --- | --- | --- | --- | --- |"]
    for outcome in outcomes:
        for figure in outcome.figures:
            lines.append(f"| {outcome.bench.title or outcome.bench.name} | {figure.name} | "
                         f"{figure.shown()} | {figure.budget or '—'} | {verdict(figure)} |")
    notes = [f"- {o.bench.title or o.bench.name} ({o.seconds:.0f} s): {note}"
             for o in outcomes for note in o.notes]
    if notes:
        lines += ["", "How each was measured (details in the sections below and in bench/README.md):",
                  "", *notes]
    return "\n".join([*lines, "", END])


def replace_block(text: str, block: str) -> str:
    """Put the block between the markers, or right under the first heading if there are none."""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        return head + block + rest.split(END, 1)[1]
    first, _, rest = text.partition("\n")
    return f"{first}\n\n{block}\n{rest}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"))
    parser.add_argument("--only", nargs="*", help="names of the benches to run")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    facts = machine()
    outcomes = run_chosen(chosen(args.only), args.quick)
    facts["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    block = summary_block(facts, outcomes, args.quick)
    (OUT / "summary.md").write_text(block + "\n")
    if args.quick or args.only:
        print(f"\n{block}\n\n(written to bench/out/summary.md; docs/benchmarks.md unchanged)")
    else:
        DOC.write_text(replace_block(DOC.read_text(), block))
        print(f"\n{block}\n\n(docs/benchmarks.md updated)")


if __name__ == "__main__":
    main()
