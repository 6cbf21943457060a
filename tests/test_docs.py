"""The architecture page's route map must list every route, so it never goes stale."""

from __future__ import annotations

from pathlib import Path

ARCHITECTURE = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def test_architecture_route_map_lists_every_route(app):
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = [rule.rule for rule in app.url_map.iter_rules()
               if rule.endpoint != "static" and f"| `{rule.rule}` |" not in text]
    assert missing == []
