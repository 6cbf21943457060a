"""Figures every bench script can write as JSON (``--json out.json``) for ``run_all.py``.

One file per script: ``{"bench": name, "figures": [...], "notes": [...]}``; each figure is a
name, a value, its unit, the budget in words and whether it was met (``null``: no budget,
just a figure to record).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None
    unit: str = ""
    budget: str = ""
    met: bool | None = None

    def shown(self) -> str:
        if self.value is None:
            return "not measured"
        whole = abs(self.value) >= 100 or float(self.value).is_integer()
        number = f"{self.value:,.0f}" if whole else f"{self.value:,.2f}"
        return f"{number} {self.unit}".strip()


def write_json(path: str | None, bench: str, figures: list[Figure],
               notes: list[str] | None = None, **extra: Any) -> None:
    """Print the figures as JSON, and write them to ``path`` when one is given."""
    document = {"bench": bench, "figures": [asdict(f) for f in figures], "notes": notes or [],
                **extra}
    text = json.dumps(document, indent=2)
    print(text)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text + "\n")


def read_json(path: Path) -> tuple[str, list[Figure], list[str]]:
    document = json.loads(path.read_text())
    return (document["bench"], [Figure(**f) for f in document["figures"]],
            list(document.get("notes", [])))
