"""Faults degrade, never crash: the database gone, one broken module among good ones."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import TEST_CONTENT_DIR, login_client
from tests.factories import UserFactory
from training_portal import create_app
from training_portal.extensions import db
from training_portal.modules.catalog import CatalogHolder

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                    "Referrer-Policy")


def _unreachable_app(url: str) -> object:
    return create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": url,
                       "CONTENT_DIR": str(TEST_CONTENT_DIR), "MAIL_BACKEND": "memory"})


def _assert_unavailable_page(response: object) -> None:
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response.headers["Retry-After"] == "30"  # type: ignore[attr-defined]
    for header in SECURITY_HEADERS:
        assert header in response.headers, header  # type: ignore[attr-defined]
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "The training site is busy" in page and 'href="/static/site.' in page


@pytest.mark.parametrize("url", [
    "postgresql://postgres@127.0.0.1:9/portal",  # a closed port: the connection is refused
    "sqlite:///{tmp}/missing/dir/portal.sqlite3",  # a file that cannot be opened
])
@pytest.mark.parametrize("path", ["/", "/login", "/my/training", "/verify/ABCD-EFGH-JKLM",
                                  "/join/ABCDEFGH"])
def test_database_gone_gives_a_503_page_in_the_sites_look(tmp_path: Path, url: str, path: str) -> None:
    app = _unreachable_app(url.format(tmp=tmp_path))
    client = app.test_client()
    with client.session_transaction() as session:  # a signed-in visitor: the session check fails too
        session["_user_id"] = "1:0"
        session["_fresh"] = True
    _assert_unavailable_page(client.get(path))


def test_log_in_with_the_database_gone_is_a_503(tmp_path: Path) -> None:
    app = _unreachable_app(f"sqlite:///{tmp_path}/missing/portal.sqlite3")
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/login", data={"email": "a@example.org", "password": "x" * 12})
    _assert_unavailable_page(response)


def test_the_site_recovers_by_itself_when_the_database_comes_back(tmp_path: Path) -> None:
    folder = tmp_path / "later"
    app = _unreachable_app(f"sqlite:///{folder}/portal.sqlite3")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:0"
    _assert_unavailable_page(client.get("/my/training"))
    assert client.get("/healthz").status_code == 503
    folder.mkdir()
    with app.app_context():
        db.create_all()
    assert client.get("/healthz").status_code == 200
    assert client.get("/my/training").status_code == 302  # no such account: asked to log in
    assert client.get("/healthz").status_code == 200


def test_a_database_that_goes_away_mid_life_gives_503_then_recovers(make_app, tmp_path: Path) -> None:
    app = make_app()
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    assert client.get("/my/training").status_code == 200
    with app.app_context():
        engine = db.engine
        real_creator = engine.pool._creator
        dbapi_error = engine.dialect.loaded_dbapi.OperationalError

        def refused(*args: object) -> object:
            raise dbapi_error("connection refused (the test took the database away)")

        engine.dispose()  # every pooled connection is gone, as after a database restart
        engine.pool._creator = refused
        try:
            _assert_unavailable_page(client.get("/my/training"))
            assert client.get("/healthz").status_code == 503
        finally:
            engine.pool._creator = real_creator
    assert client.get("/my/training").status_code == 200
    assert client.get("/healthz").status_code == 200


# --- content: one broken module never takes the others down ------------------------------------


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(TEST_CONTENT_DIR, tmp_path / "content")
    return tmp_path / "content"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def _md(content: Path, slug: str) -> Path:
    return content / "modules" / slug / "module.md"


def test_one_broken_module_at_start_up_leaves_the_others_live(make_app, content: Path) -> None:
    _edit(content / "modules" / "welcome" / "quiz.yaml", "pass_mark: 50", "pass_mark: 500")
    app = make_app(CONTENT_DIR=str(content))
    with app.app_context():
        staff, trainer = UserFactory(), UserFactory(trainer=True)
    client = login_client(app, staff)
    assert client.get("/modules/spiking").status_code == 200
    assert client.get("/modules/welcome").status_code == 404  # never loaded: not shown
    assert "Spotting spiking" in client.get("/my/training").get_data(as_text=True)
    health = app.test_client().get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "degraded: content"}
    status = login_client(app, trainer).get("/trainer/").get_data(as_text=True)
    assert "content/modules/welcome/quiz.yaml, line 1" in status
    assert "do not see them if they never loaded: welcome" in status


def test_a_broken_module_keeps_its_last_good_version_while_others_update(content: Path) -> None:
    holder = CatalogHolder(content, interval=0, clock=lambda: 0.0)
    good_welcome = holder.current.modules["welcome"]
    _edit(_md(content, "welcome"), "status: published", "status: live")
    _edit(_md(content, "spiking"), "title: Spotting spiking", "title: Spotting spiking early")
    assert holder.maybe_reload(now=1.0) is True
    assert holder.current.modules["welcome"] is good_welcome
    assert holder.current.modules["spiking"].title == "Spotting spiking early"
    assert holder.failed == {"welcome"} and holder.degraded


def test_a_broken_draft_never_blocks_published_modules(content: Path) -> None:
    holder = CatalogHolder(content, interval=0, clock=lambda: 0.0)
    _edit(_md(content, "door-notes"), "## Draft page", "# A level-one heading")
    _edit(_md(content, "welcome"), "title: Welcome to the programme", "title: Welcome aboard")
    assert holder.maybe_reload(now=1.0) is True
    assert holder.current.modules["welcome"].title == "Welcome aboard"
    assert holder.failed == {"door-notes"}


def test_a_failed_reload_is_logged_once_with_its_problems(content: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    holder = CatalogHolder(content, interval=0, clock=lambda: 0.0)
    caplog.set_level(logging.WARNING, logger="training_portal.modules.catalog")
    _edit(_md(content, "welcome"), "status: published", "status: live")
    holder.maybe_reload(now=1.0)
    holder.maybe_reload(now=2.0)
    holder.maybe_reload(now=3.0)
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 1
    assert 'content/modules/welcome/module.md, line 8: status "live" is not allowed' in logged[0]
    assert "welcome" in logged[0].splitlines()[0]


def test_fixing_the_module_clears_the_degraded_state(content: Path) -> None:
    holder = CatalogHolder(content, interval=0, clock=lambda: 0.0)
    _edit(_md(content, "welcome"), "status: published", "status: live")
    holder.maybe_reload(now=1.0)
    assert holder.degraded
    _edit(_md(content, "welcome"), "status: live", "status: published")
    holder.maybe_reload(now=2.0)
    assert not holder.degraded and holder.failed == frozenset()


def test_a_nul_byte_in_a_module_is_reported_with_file_and_line(content: Path) -> None:
    _edit(_md(content, "spiking"), "The signs of spiking", "The signs\x00 of spiking")
    holder = CatalogHolder(content)
    assert [str(p) for p in holder.problems] == [
        "content/modules/spiking/module.md, line 3: this line holds a NUL byte — delete it, or retype "
        "the line in your editor"]
    assert "spiking" not in holder.current.modules and "welcome" in holder.current.modules
