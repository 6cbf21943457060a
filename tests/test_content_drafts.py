"""A draft of the next version (replaces:): previewed by trainers, unseen by staff, then published."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import login_client
from tests.factories import UserFactory
from training_portal.modules.catalog import load_catalog
from training_portal.modules.cli import content_cli

DRAFTS = Path(__file__).parent / "content" / "drafts" / "next-version"
NEXT_MD = "modules/welcome-next/module.md"


def _copy(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(DRAFTS, content)
    return content


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _cli(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(content_cli, list(args))
    return result.exit_code, result.output.splitlines()


def test_the_check_says_which_version_staff_see() -> None:
    code, lines = _cli("check", str(DRAFTS))
    assert code == 0
    assert lines == [
        "0 errors, 0 warnings in 4 modules",
        'note: "welcome-next" is a draft of version 2.0 of "welcome". Staff see version 1.2 from the folder '
        '"welcome"; trainers can preview the draft. To publish it: .venv/bin/flask --app wsgi content publish '
        "welcome-next",
    ]


def test_the_draft_is_in_the_catalog_but_not_among_published_modules() -> None:
    catalog, _ = load_catalog(DRAFTS)
    assert catalog is not None
    draft = catalog.modules["welcome-next"]
    assert (draft.replaces, draft.version, draft.is_published) == ("welcome", "2.0", False)
    assert "welcome-next" not in [m.slug for m in catalog.published()]
    assert "welcome" in [m.slug for m in catalog.published()]


def test_a_draft_version_not_above_the_live_one_warns(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    _edit(content / NEXT_MD, 'version: "2.0"', 'version: "1.2"')
    catalog, problems = load_catalog(content)
    assert catalog is not None
    assert [(p.severity, str(p)) for p in problems] == [
        ("warning", f'content/{NEXT_MD}: version "1.2" is not higher than the version staff see now ("1.2") — raise '
         "it, so records tell the two apart (the major number if the advice changed)")
    ]


def test_replaces_is_only_for_a_draft_of_another_existing_module(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    md = content / NEXT_MD
    _edit(md, "status: draft", "status: published")
    assert [str(p) for p in load_catalog(content)[1]] == [
        f"content/{NEXT_MD}, line 9: replaces: welcome is only for a draft of the next version — keep status: draft, "
        "and publish it with .venv/bin/flask --app wsgi content publish welcome-next"
    ]
    _edit(md, "status: published\nreplaces: welcome", "status: draft\nreplaces: welcom")
    assert [str(p) for p in load_catalog(content)[1]] == [
        f'content/{NEXT_MD}, line 9: replaces "welcom", but there is no module folder of that name in '
        "content/modules — check the spelling"
    ]
    _edit(md, "replaces: welcom", "replaces: welcome-next")
    assert [str(p) for p in load_catalog(content)[1]] == [
        f"content/{NEXT_MD}, line 9: a module cannot replace itself — remove the replaces: line"
    ]


def test_publishing_puts_the_draft_in_the_module_folder(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    code, lines = _cli("publish", "welcome-next", str(content))
    assert code == 0
    assert lines == ['published version 2.0 of "welcome" from "welcome-next" (that folder is removed); staff see it '
                     "once the server's content folder has this change"]
    assert not (content / "modules" / "welcome-next").exists()
    catalog, problems = load_catalog(content)
    assert problems == [] and catalog is not None
    live = catalog.modules["welcome"]
    assert (live.version, live.is_published, live.replaces) == ("2.0", True, None)
    assert "safe and well" in live.pages[0].html
    assert "replaces" not in (content / "modules" / "welcome" / "module.md").read_text()


def test_publishing_refuses_a_module_that_is_not_a_draft_of_the_next_version(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    before = (content / "modules" / "welcome" / "module.md").read_text()
    assert _cli("publish", "welcome", str(content)) == (
        1, ['not published: "welcome" is not a draft with a replaces: line — nothing to publish'])
    _edit(content / NEXT_MD, "order: 1", "order: none")
    assert _cli("publish", "welcome-next", str(content)) == (
        1, ['not published: "welcome-next" has errors — run the check and fix them first'])
    assert (content / "modules" / "welcome" / "module.md").read_text() == before


def test_trainers_preview_the_draft_and_staff_never_see_it(make_app) -> None:
    app = make_app(CONTENT_DIR=str(DRAFTS))
    with app.app_context():
        staff, trainer = UserFactory(), UserFactory(trainer=True)
    trainer_client, staff_client = login_client(app, trainer), login_client(app, staff)
    status = trainer_client.get("/trainer/").get_data(as_text=True)
    assert "Draft of the next version of “welcome”. Staff see version 1.2 until you publish this draft." in status
    preview = trainer_client.get("/trainer/modules/welcome-next/1").get_data(as_text=True)
    assert "safe and well" in preview
    assert staff_client.get("/modules/welcome-next/1").status_code == 404
    assert "safe and well" not in staff_client.get("/modules/welcome/1").get_data(as_text=True)
