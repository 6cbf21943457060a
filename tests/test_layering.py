"""The code flows one way: each layer imports only the layers before it (docs/architecture.md).

content files → content objects → learner records → certificates → dashboards and reports →
views, mail and CLI. A backward import (even inside a function or under TYPE_CHECKING) fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "training_portal"

#: In order; a module belongs to the first layer with a matching prefix (dotted, after
#: "training_portal."). Within a layer, anything may import anything else in that layer.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("config", "extensions", "reads", "db", "timeutil", "collector", "problems", "safe_yaml", "audit", "logs",
              "forms", "urls", "policy", "csv_export", "programme", "accounts", "venues")),
    ("quiz content", ("quizzes",)),
    ("module content", ("modules", "content_access")),
    ("learner records", ("learning",)),
    ("certificates", ("certificates",)),
    ("dashboards and reports", ("dashboards", "reports")),
    ("views, mail and CLI", ("web", "notifications", "reminders", "demo", "models", "")),
]


def layer_of(dotted: str) -> int:
    name = dotted.removeprefix("training_portal").removeprefix(".")
    for index, (_label, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if prefix == "" and name == "":
                return index
            if prefix and (name == prefix or name.startswith(prefix + ".")):
                return index
    raise AssertionError(f"training_portal.{name} is in no layer: add it to LAYERS and the docs")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("training_portal"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "training_portal"):
            if node.module == "training_portal":  # from training_portal import audit, policy
                found.update(f"training_portal.{a.name}" for a in node.names)
            else:
                found.add(node.module)
    return found


def backward_imports(source: str, importer: str) -> list[str]:
    own = layer_of(importer)
    return sorted(f"{importer} → {target} ({LAYERS[layer_of(target)][0]})"
                  for target in imported_modules(ast.parse(source))
                  if layer_of(target) > own)


def test_every_module_imports_only_its_own_layer_and_those_before_it():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems += backward_imports(path.read_text(encoding="utf-8"), module_name(path))
    assert problems == []


@pytest.mark.parametrize("importer,source", [
    ("training_portal.learning.completions", "from training_portal.certificates.models import Certificate"),
    ("training_portal.quizzes.bank", "from training_portal.modules.content import Module"),
    ("training_portal.venues.services", "def f():\n    from training_portal.web import lessons\n"),
    ("training_portal.certificates.services", "import training_portal.dashboards.venue"),
])
def test_a_backward_import_is_caught(importer, source):
    assert backward_imports(source, importer) != []


def test_the_architecture_page_describes_the_layers():
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for label, _prefixes in LAYERS:
        assert label in text
