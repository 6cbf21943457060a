"""Trainers preview drafts and answers; a broken content change never reaches staff."""

from __future__ import annotations

import shutil

from tests.conftest import TEST_CONTENT_DIR, login_client
from tests.factories import UserFactory


def test_trainer_previews_drafts_and_sees_answers(app):
    with app.app_context():
        trainer = UserFactory(trainer=True)
    client = login_client(app, trainer)
    status = client.get("/trainer/").get_data(as_text=True)
    assert "Notes for door staff" in status and "draft" in status
    draft = client.get("/trainer/modules/door-notes/1")
    assert draft.status_code == 200 and "Preview" in draft.get_data(as_text=True)
    bank = client.get("/trainer/modules/spiking/quiz").get_data(as_text=True)
    assert "Stay with her and tell your manager – <strong>correct</strong>" in bank


def test_staff_cannot_open_trainer_pages(app):
    with app.app_context():
        staff = UserFactory()
    client = login_client(app, staff)
    for path in ("/trainer/", "/trainer/modules/welcome/1", "/trainer/modules/welcome/quiz"):
        assert client.get(path).status_code == 403, path


def test_broken_change_keeps_last_good_content_live_and_shows_trainers_why(make_app, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT_DIR, content)
    app = make_app(CONTENT_DIR=str(content), CONTENT_RELOAD_SECONDS=0)
    with app.app_context():
        staff, trainer = UserFactory(), UserFactory(trainer=True)
    staff_client, trainer_client = login_client(app, staff), login_client(app, trainer)
    assert "Why this matters" in staff_client.get("/modules/welcome/1").get_data(True)

    module_md = content / "modules" / "welcome" / "module.md"
    quiz = content / "modules" / "welcome" / "quiz.yaml"
    module_md.write_text(module_md.read_text().replace("## Why this matters", "## Why it matters"))
    quiz.write_text(quiz.read_text().replace("page: Why this matters", "page: Why it matters"))  # renamed together
    assert "Why it matters" in staff_client.get("/modules/welcome/1").get_data(True)

    quiz.write_text(quiz.read_text().replace("pass_mark: 50", "pass_mark: 500"))
    response = staff_client.get("/modules/welcome/1")
    assert response.status_code == 200 and "Why it matters" in response.get_data(True)
    status = trainer_client.get("/trainer/").get_data(as_text=True)
    assert "staff still see the last good version" in status
    assert "content/modules/welcome/quiz.yaml, line 1" in status
