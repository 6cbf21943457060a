"""Print mutmut's results per file: killed / checked, the score, and every surviving mutant.

Run after `mutmut run` (`make mutants` does both); `mutmut show NAME` prints a mutant's diff.
Reads mutants/**/*.py.meta, which mutmut writes as it goes, so it also shows a partial run.
A timeout counts as killed but is listed, to check that the mutant really hangs.
A mutant no test reaches ("no tests") counts against the score, as a survivor does.
`--names` prints only the names of the mutants still to kill (survivors, no tests, not yet
checked), one a line: `mutmut run $(python tools/mutation_scores.py --names FILE)` re-checks
just those after new tests (naming whole files re-runs every mutant in them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

KILLED = {1, 3, 36, 37, -24, 24, 152, 255}  # failed test, pytest error, timeout, type check
TIMEOUT = {36, -24, 24, 152, 255}  # killed, but listed: a slow machine can time out a survivor
SURVIVED = {0}
NO_TESTS = {5, 33}


def main(argv: list[str]) -> int:
    names_only = "--names" in argv
    only = [a.removesuffix(".py") for a in argv if a != "--names"]
    rows = []
    for meta in sorted(Path("mutants").glob("**/*.py.meta")):
        source = str(meta.relative_to("mutants")).removesuffix(".meta")
        if only and not any(source.removesuffix(".py") == o for o in only):
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        if names_only:
            for name, code in codes.items():
                if code is None or code in SURVIVED | NO_TESTS:
                    print(name)
            continue
        checked = {k: v for k, v in codes.items() if v is not None}
        killed = sum(v in KILLED for v in checked.values())
        lost = sorted(k for k, v in checked.items() if v in SURVIVED | NO_TESTS | TIMEOUT)
        other = sorted(k for k, v in checked.items() if v not in KILLED | SURVIVED | NO_TESTS)
        rows.append((source, len(codes), len(checked), killed, lost, other, checked))
    if names_only:
        return 0
    if not rows:
        print("No results yet: run `make mutants` first.")
        return 1
    print(f"{'file':45} {'mutants':>7} {'checked':>7} {'killed':>6} {'score':>6}")
    for source, total, checked, killed, _lost, _other, _codes in rows:
        score = f"{100 * killed / checked:.1f}%" if checked else "-"
        print(f"{source:45} {total:7} {checked:7} {killed:6} {score:>6}")
    for _source, _total, _checked, _killed, lost, other, codes in rows:
        for name in lost + other:
            code = codes[name]
            kind = ("no tests" if code in NO_TESTS else "survived" if code == 0
                    else "timeout" if code in TIMEOUT else f"exit {code}")
            print(f"  {kind:9} {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
