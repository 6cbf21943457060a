"""Live reload: good content is swapped in, bad content keeps the last good set, checks are throttled."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from training_portal.modules.catalog import Catalog, CatalogHolder, content_fingerprint, load_catalog

VALID = Path(__file__).parent / "content" / "valid"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(VALID, tmp_path / "content")
    return tmp_path / "content"


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a clearly newer mtime


def _welcome(content: Path) -> Path:
    return content / "modules" / "welcome" / "module.md"


def test_first_load_serves_the_catalog(content: Path) -> None:
    holder = CatalogHolder(content)
    assert [m.slug for m in holder.current.published()] == ["welcome", "spiking"]
    assert holder.problems == ()
    assert holder.loaded_at is not None


def test_reload_swaps_in_changed_good_content(content: Path) -> None:
    holder = CatalogHolder(content, interval=3, clock=lambda: 0.0)
    old = holder.current
    _edit(_welcome(content), "title: Welcome to the programme", "title: Welcome aboard")
    assert holder.maybe_reload(now=10.0) is True
    assert holder.current is not old
    assert holder.current.modules["welcome"].title == "Welcome aboard"
    assert holder.current.modules["welcome"].content_hash != old.modules["welcome"].content_hash


def test_bad_content_keeps_the_last_good_set_and_shows_the_problems(content: Path) -> None:
    holder = CatalogHolder(content, interval=3, clock=lambda: 0.0)
    good = holder.current
    _edit(_welcome(content), "status: published", "status: live")
    assert holder.maybe_reload(now=10.0) is False
    assert holder.current is good
    assert [str(p) for p in holder.problems] == [
        'content/modules/welcome/module.md, line 8: status "live" is not allowed — use status: draft or status: published'
    ]
    _edit(_welcome(content), "status: live", "status: published")
    assert holder.maybe_reload(now=20.0) is True
    assert holder.problems == ()


def test_first_load_with_one_broken_module_serves_the_others(content: Path) -> None:
    _edit(_welcome(content), 'version: "1.2"', "version: 1.2")
    holder = CatalogHolder(content)
    assert [m.slug for m in holder.current.ordered] == ["spiking", "door-notes"]
    assert holder.failed == {"welcome"} and holder.degraded
    assert holder.loaded_at is not None
    assert len(holder.problems) == 1 and holder.problems[0].line == 6


def test_first_load_with_every_module_broken_serves_an_empty_catalog(content: Path) -> None:
    for slug in ("welcome", "spiking", "door-notes"):
        md = content / "modules" / slug / "module.md"
        md.write_text(md.read_text().replace("version:", "versio:", 1))
    holder = CatalogHolder(content)
    assert holder.current.ordered == () and holder.loaded_at is None
    assert holder.failed == {"welcome", "spiking", "door-notes"}


def test_checks_are_throttled_to_the_interval(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = CatalogHolder(content, interval=3, clock=lambda: 100.0)
    calls: list[Path] = []
    real = content_fingerprint

    def counting(directory: Path) -> str:
        calls.append(directory)
        return real(directory)

    monkeypatch.setattr("training_portal.modules.catalog.content_fingerprint", counting)
    _edit(_welcome(content), "title: Welcome to the programme", "title: Changed")
    assert holder.maybe_reload(now=101.0) is False  # too soon after the first load: no stat at all
    assert holder.maybe_reload(now=102.9) is False
    assert calls == []
    assert holder.maybe_reload(now=103.0) is True
    assert holder.maybe_reload(now=104.0) is False
    assert len(calls) == 1


def test_unchanged_files_are_not_loaded_again(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = CatalogHolder(content, interval=0, clock=lambda: 0.0)
    monkeypatch.setattr("training_portal.modules.catalog.load_modules", lambda *a, **k: pytest.fail("loaded again"))
    assert holder.maybe_reload(now=50.0) is False


def test_bad_content_is_not_reloaded_until_it_changes(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _edit(_welcome(content), "status: published", "status: live")
    holder = CatalogHolder(content, interval=0, clock=lambda: 0.0)
    monkeypatch.setattr("training_portal.modules.catalog.load_modules", lambda *a, **k: pytest.fail("loaded again"))
    assert holder.maybe_reload(now=50.0) is False
    assert len(holder.problems) == 1


def test_forced_reload_ignores_interval_and_fingerprint(content: Path) -> None:
    holder = CatalogHolder(content, interval=3600, clock=lambda: 0.0)
    first = holder.current
    assert holder.reload() is True
    assert holder.current is not first and holder.current.content_hash == first.content_hash


def test_only_one_thread_reloads_at_a_time(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = CatalogHolder(content, interval=0, clock=lambda: 0.0)
    started, release = threading.Event(), threading.Event()
    real = content_fingerprint

    def slow(directory: Path) -> str:
        started.set()
        release.wait(5)
        return real(directory)

    monkeypatch.setattr("training_portal.modules.catalog.content_fingerprint", slow)
    worker = threading.Thread(target=holder.maybe_reload, kwargs={"now": 1.0})
    worker.start()
    assert started.wait(5)
    assert holder.maybe_reload(now=1.0) is False  # does not wait for the other thread; serves the current set
    release.set()
    worker.join(5)


def test_servers_with_the_same_files_converge(content: Path, tmp_path: Path) -> None:
    shutil.copytree(content, tmp_path / "other")
    first, _ = load_catalog(content)
    second, _ = load_catalog(tmp_path / "other")
    assert first is not None and second is not None
    assert first.content_hash == second.content_hash
    assert first.content_hash != Catalog.empty().content_hash


def test_fingerprint_sees_new_removed_and_changed_files(content: Path) -> None:
    before = content_fingerprint(content)
    assert content_fingerprint(content) == before
    extra = content / "modules" / "welcome" / "new.png"
    extra.write_bytes(b"x")
    added = content_fingerprint(content)
    assert added != before
    extra.unlink()
    assert content_fingerprint(content) == before
    _edit(_welcome(content), "Most people", "Most guests")
    assert content_fingerprint(content) != before


def test_interval_none_turns_automatic_checks_off(content: Path) -> None:
    holder = CatalogHolder(content, interval=None)
    _edit(_welcome(content), "title: Welcome to the programme", "title: Changed")
    assert holder.maybe_reload(now=1e9) is False
    assert holder.reload() is True and holder.current.modules["welcome"].title == "Changed"


def test_a_loader_fault_keeps_the_last_good_set(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = CatalogHolder(content, interval=0, clock=lambda: 0.0)
    good = holder.current

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("training_portal.modules.catalog.load_modules", broken)
    monkeypatch.setattr("training_portal.modules.catalog.log.exception", lambda *a: None)
    assert holder.reload() is False
    assert holder.current is good
    assert [str(p) for p in holder.problems] == [
        "content: the content could not be loaded because of a fault in the portal — tell a developer; "
        "the last good content stays live"
    ]
