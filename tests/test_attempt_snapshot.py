"""Issue 9, item 2: an attempt is graded against the version it started with."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import TEST_CONTENT_DIR, login_client
from tests.factories import AttemptFactory, UserFactory
from tests.learning import start_quiz, stored_attempt
from training_portal.extensions import db
from training_portal.learning import attempts as services
from training_portal.learning.models import Attempt, Completion, QuestionStat


@pytest.fixture
def editable(make_app, tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT_DIR, content)
    app = make_app(CONTENT_DIR=str(content), CONTENT_RELOAD_SECONDS=3600)
    return app, content / "modules" / "welcome"


def _edit_bank(folder: Path, version: str = "1.3") -> None:
    """A trainer swaps both answer keys and edits the texts (a minor version)."""
    quiz = (folder / "quiz.yaml").read_text()
    quiz = quiz.replace("answer: true", "answer: false")
    quiz = quiz.replace("      - text: Patterns of behaviour\n        correct: true\n",
                        "      - text: Patterns of behaviour (edited)\n")
    quiz = quiz.replace("      - text: A single odd moment\n",
                        "      - text: A single odd moment\n        correct: true\n")
    quiz = quiz.replace("pass_mark: 50", "pass_mark: 100")
    (folder / "quiz.yaml").write_text(quiz)
    module = (folder / "module.md").read_text().replace('version: "1.2"', f'version: "{version}"')
    (folder / "module.md").write_text(module)


def _right_answers_when_drawn(app, public_id: str) -> dict[str, list[str]]:
    bank = app.extensions["catalog"].current.get("welcome").quiz
    return {f"q-{item['question']}": sorted(bank.question(item["question"]).correct_ids)
            for item in stored_attempt(app, public_id).drawn}


def test_grading_after_a_mid_attempt_edit_uses_the_questions_drawn(editable):
    app, folder = editable
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    public_id = start_quiz(client, "welcome")
    answers = _right_answers_when_drawn(app, public_id)
    _edit_bank(folder)
    assert app.extensions["catalog"].reload() is True
    assert app.extensions["catalog"].current.get("welcome").version == "1.3"
    response = client.post(f"/quiz/{public_id}", data=answers)
    assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    attempt = stored_attempt(app, public_id)
    assert attempt.passed is True and attempt.score == 100
    assert all(attempt.results.values())
    page = client.get(f"/quiz/{public_id}/result").get_data(as_text=True)
    assert "version 1.2" in page and "pass mark 50%" in page
    assert "Patterns of behaviour (edited)" not in page
    with app.app_context():
        completion = db.session.query(Completion).one()
        assert completion.module_version == "1.2"  # the version actually passed
        # Trainer figures still count the attempt under the content it was drawn from.
        stats = db.session.query(QuestionStat).all()
        assert {s.content_hash for s in stats} == {attempt.content_hash}
        assert sum(s.correct for s in stats) == 2


def test_an_open_attempt_survives_a_minor_edit_but_not_a_new_major_version(editable):
    app, folder = editable
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    first = start_quiz(client, "welcome")
    _edit_bank(folder, "1.3")
    app.extensions["catalog"].reload()
    assert start_quiz(client, "welcome") == first  # resumed on its own questions
    (folder / "module.md").write_text(
        (folder / "module.md").read_text().replace('version: "1.3"', 'version: "2.0"'))
    app.extensions["catalog"].reload()
    second = start_quiz(client, "welcome")
    assert second != first
    assert stored_attempt(app, first).abandoned_at is not None
    assert stored_attempt(app, second).module_version == "2.0"


def test_attempts_from_before_snapshots_still_grade_against_the_bank(app):
    with app.app_context():
        user = UserFactory()
        module = app.extensions["catalog"].current.get("welcome")
        attempt = AttemptFactory(user_id=user.id, content_hash=module.content_hash,
                                 drawn=[{"question": "patterns", "choices": ["a", "b"]}])
        assert not services.has_snapshot(attempt)
        public_id = attempt.public_id
    client = login_client(app, user)
    page = client.get(f"/quiz/{public_id}").get_data(as_text=True)
    assert "Patterns of behaviour" in page
    assert client.post(f"/quiz/{public_id}", data={"q-patterns": "a"}).status_code == 302
    with app.app_context():
        graded = db.session.query(Attempt).filter_by(public_id=public_id).one()
        assert graded.passed is True and graded.results == {"patterns": True}
