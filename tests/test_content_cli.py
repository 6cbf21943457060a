"""flask content check / reload, run through click's CliRunner (check needs no app)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from training_portal.modules.catalog import CatalogHolder
from training_portal.modules.cli import content_cli

CONTENT = Path(__file__).parent / "content"


def _check(*args: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    result = CliRunner().invoke(content_cli, ["check", *args], env=env)
    return result.exit_code, result.output.splitlines()


def test_check_valid_content_exits_zero() -> None:
    code, lines = _check(str(CONTENT / "valid"))
    assert (code, lines) == (0, ["0 errors, 0 warnings in 3 modules"])


def test_check_prints_every_error_and_exits_one() -> None:
    code, lines = _check(str(CONTENT / "broken" / "many-problems"))
    assert code == 1
    assert (
        lines[0]
        == "error: many-problems/modules/basics/module.md, line 4: order is 0 — it must be a whole number 1 or more"
    )
    assert len(lines) == 5
    assert lines[-1] == "4 errors, 0 warnings in 1 module"


def test_check_warnings_alone_exit_zero() -> None:
    code, lines = _check(str(CONTENT / "warnings" / "long-sentence"))
    assert code == 0
    assert lines[0].startswith("warning: long-sentence/modules/basics/module.md, line 13: a sentence of 35 words")
    assert lines[-1] == "0 errors, 1 warning in 1 module"


def test_check_defaults_to_content_dir_from_the_environment() -> None:
    code, lines = _check(env={"CONTENT_DIR": str(CONTENT / "broken" / "pass-mark-zero")})
    assert code == 1 and lines[-1] == "1 error, 0 warnings in 1 module"


def test_check_of_a_missing_folder_exits_one(tmp_path: Path) -> None:
    code, lines = _check(str(tmp_path / "nowhere"))
    assert code == 1
    assert lines == [
        "error: nowhere/modules: the modules folder was not found — check CONTENT_DIR or the folder name",
        "1 error, 0 warnings in 0 modules",
    ]


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    shutil.copytree(CONTENT / "valid", tmp_path / "content")
    app = Flask("content-cli-test")
    app.extensions["catalog"] = CatalogHolder(tmp_path / "content")
    return app


def test_reload_loads_and_reports(app: Flask) -> None:
    result = app.test_cli_runner().invoke(content_cli, ["reload"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "0 errors, 0 warnings in 3 modules"
    assert "loaded 3 modules" in result.output


def test_reload_with_errors_keeps_the_last_good_set(app: Flask) -> None:
    holder: CatalogHolder = app.extensions["catalog"]
    good = holder.current
    (holder.content_dir / "modules" / "welcome" / "quiz.yaml").write_text("pass_mark: 500\n")
    result = app.test_cli_runner().invoke(content_cli, ["reload"])
    assert result.exit_code == 1
    assert "not loaded: fix the errors above" in result.output
    assert holder.current is good
