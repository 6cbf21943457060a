"""The trainer guide's commands work in a fresh shell, from the project folder, as written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "writing-content.md"
VALID = Path(__file__).resolve().parent / "content" / "valid"


def _guide_commands() -> list[str]:
    """Every line of a fenced block in the guide that a trainer would type (make … or .venv/bin/…)."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.M | re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.startswith(("make ", ".venv/bin/", "flask ", "python "))]


def _fresh_shell_env(tmp_path: Path) -> dict[str, str]:
    """Nothing activated, no FLASK_APP, no CONTENT_DIR: just a PATH and a home."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}


def test_the_guide_only_gives_commands_that_work_without_setup():
    commands = _guide_commands()
    assert "make content-check" in commands
    bare = [c for c in commands if c.startswith(("flask ", "python "))]
    assert bare == [], "a bare flask/python needs an activated venv and FLASK_APP: use make or .venv/bin/…"


def test_make_content_check_runs_the_same_check_as_the_guide(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(["make", "-n", "content-check"], cwd=ROOT, env=_fresh_shell_env(tmp_path),
                         capture_output=True, text=True, check=True).stdout
    assert "flask content check content" in dry


@pytest.mark.parametrize("command", [c for c in _guide_commands() if c.startswith(".venv/bin/")])
def test_each_venv_command_of_the_guide_runs_in_a_fresh_shell(command, tmp_path):
    if not (ROOT / ".venv" / "bin" / "flask").exists() and Path(sys.prefix) != ROOT / ".venv":
        pytest.skip("no .venv in the project folder")
    command = command.replace("path/to/other/content", str(VALID))
    result = subprocess.run(command, shell=True, cwd=ROOT, env=_fresh_shell_env(tmp_path),  # noqa: S602
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"0 errors, \d+ warnings? in \d+ modules?", result.stdout), result.stdout
