"""The benchmark summary writer (bench/run_all.py) formats given figures; nothing is timed."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
FACTS = {"cores": "2", "python": "3.11.7", "cpu": "Test CPU", "date": "2026-11-30 23:00 UTC",
         "load_start": "1.00 0.50 0.25", "load_end": "2.00 1.00 0.50", "reference": "0.419"}


@pytest.fixture()
def run_all() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("run_all")
    finally:
        sys.path.remove(str(BENCH))


def outcome(run_all: ModuleType, *figures: object) -> object:
    return run_all.Outcome(run_all.Bench("side_by_side", "bench_side_by_side.py",
                                         title="Side by side"), list(figures), ["2 rounds"])


def test_each_figure_is_a_row_saying_met_missed_or_neither(run_all: ModuleType) -> None:
    from figures import Figure

    block = run_all.summary_block(FACTS, [outcome(
        run_all,
        Figure("lesson: throughput vs minimal app", 0.42, "×", "≥ 0.60", False),
        Figure("quiz: CPU per request vs minimal app", 2.1, "×", "≤ 2.5×", True),
        Figure("page weight", 1234.4, "KB"))])
    rows = [line for line in block.splitlines() if line.startswith("| Side by side |")]
    assert rows == [
        "| Side by side | lesson: throughput vs minimal app | 0.42 × | ≥ 0.60 | **missed** |",
        "| Side by side | quiz: CPU per request vs minimal app | 2.10 × | ≤ 2.5× | met |",
        "| Side by side | page weight | 1,234 KB | — | — |",
    ]
    assert "**1 met, 1 missed.**" in block
    assert "2 cores (Test CPU), Python 3.11.7" in block
    assert "1.00 0.50 0.25 at the start, 2.00 1.00 0.50 at the end" in block
    assert "a minimal Flask app costs 0.419 ms of CPU per request" in block
    assert block.startswith(run_all.START) and block.endswith(run_all.END)


def test_a_bench_that_did_not_run_counts_as_missed(run_all: ModuleType) -> None:
    from figures import Figure

    block = run_all.summary_block(FACTS, [outcome(
        run_all, Figure("bench_locust.py did not run", None, "", "runs", False))])
    assert "| bench_locust.py did not run | not measured | runs | **missed** |" in block
    assert "**0 met, 1 missed.**" in block


def test_the_speed_reference_is_a_positive_cpu_time(run_all: ModuleType) -> None:
    assert 0 < run_all.speed_reference(requests=20, rounds=3) < 1000


def test_the_block_replaces_only_what_lies_between_the_markers(run_all: ModuleType) -> None:
    doc = (f"# Benchmarks\n\n{run_all.START}\nold figures\n{run_all.END}\n\n"
           "## Narrative\nkept\n")
    new = run_all.replace_block(doc, f"{run_all.START}\nnew figures\n{run_all.END}")
    assert new == (f"# Benchmarks\n\n{run_all.START}\nnew figures\n{run_all.END}\n\n"
                   "## Narrative\nkept\n")


def test_without_markers_the_block_goes_under_the_title(run_all: ModuleType) -> None:
    new = run_all.replace_block("# Benchmarks\n\nNarrative.\n", "BLOCK")
    assert new == "# Benchmarks\n\nBLOCK\n\nNarrative.\n"


def test_counts_are_shown_whole_and_fractions_to_two_places() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from figures import Figure
    finally:
        sys.path.remove(str(BENCH))
    assert Figure("errors", 0, "", "0", True).shown() == "0"
    assert Figure("ratio", 2.456, "×").shown() == "2.46 ×"
    assert Figure("p99", 1049.6, "ms").shown() == "1,050 ms"
    assert Figure("missing", None).shown() == "not measured"


def test_every_listed_script_exists(run_all: ModuleType) -> None:
    missing = [b.script for b in run_all.BENCHES if not (BENCH / b.script).is_file()]
    assert missing == []


def test_the_shared_programme_is_built_before_the_benches_that_read_it(run_all: ModuleType) -> None:
    names = [b.name for b in run_all.BENCHES]
    readers = [names.index(b.name) for b in run_all.BENCHES if b.programme]
    assert readers and min(readers) > names.index("programme")
    assert [b.name for b in run_all.chosen(["admin_search"])] == ["programme", "admin_search"]
    assert [b.name for b in run_all.chosen(["reminders", "login"])] == ["login", "reminders"]
    assert [b.name for b in run_all.chosen(None)] == names


def test_without_the_programme_its_readers_do_not_run_and_it_is_dropped_anyway(
        run_all: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    from figures import Figure

    ran, dropped = [], []

    def fake_run(bench: object, quick: bool) -> object:
        ran.append(bench.name)  # type: ignore[attr-defined]
        failed = Figure("generate_programme.py did not run", None, "", "runs", False)
        return run_all.Outcome(bench, [failed])

    monkeypatch.setattr(run_all, "run", fake_run)
    monkeypatch.setattr(run_all, "drop_programme", lambda: dropped.append(True))
    outcomes = run_all.run_chosen(run_all.chosen(["partnership", "question_stats"]), quick=True)
    assert ran == ["programme"]
    assert [o.figures[0].name for o in outcomes[1:]] == ["bench_partnership.py did not run",
                                                         "bench_question_stats.py did not run"]
    assert "the shared programme database was not generated" in outcomes[1].notes[0]
    assert dropped == [True]


def test_once_the_programme_is_built_its_readers_run(
        run_all: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    from figures import Figure

    ran: list[str] = []

    def fake_run(bench: object, quick: bool) -> object:
        ran.append(bench.name)  # type: ignore[attr-defined]
        return run_all.Outcome(bench, [Figure("generated", 12.0, "s")])

    monkeypatch.setattr(run_all, "run", fake_run)
    monkeypatch.setattr(run_all, "drop_programme", lambda: None)
    run_all.run_chosen(run_all.chosen(["partnership"]), quick=True)
    assert ran == ["programme", "partnership"]


def test_partnership_budgets_and_a_page_failing_on_the_small_programme(run_all: ModuleType) -> None:
    saved = list(sys.path)
    try:
        bench = importlib.import_module("bench_partnership")
    finally:
        sys.path[:] = saved  # the script puts bench/ and the project first, for itself
    overview = bench.Result("/partnership", [0.5, 0.7, 1.4], [0.2] * 3, [0.1] * 3, [9, 9, 9, 9], 9)
    report = bench.Result("/partnership/report.pdf", [5.5] * 3, [0.4] * 3, [0.2] * 3, [9, 9, 9, 9])
    found = bench.figures([overview, report], 1.0)
    assert [(f.budget, f.met) for f in found[:2]] == [("< 1,000 ms", True), ("< 5,000 ms", False)]
    assert found[-1].met is False and "/partnership/report.pdf did not answer 200" in found[-1].unit
    small = bench.Result("/partnership/report.pdf", [1.0] * 3, [0.4] * 3, [0.2] * 3, [9, 9, 9, 9], 9)
    assert bench.figures([overview, small], 1.0)[-1].met is True
    grows = bench.Result("/partnership/report.pdf", [1.0] * 3, [0.4] * 3, [0.2] * 3, [9, 9, 9, 9], 7)
    assert bench.figures([overview, grows], 1.0)[-1].met is False
