"""No dead end after a fail: when the retry opens, what to reread, other questions; read before the quiz."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import TEST_CONTENT_DIR, login_client
from tests.factories import UserFactory
from tests.learning import answers_for, start_quiz, stored_attempt
from training_portal.extensions import db
from training_portal.learning.models import Attempt
from training_portal.quizzes.bank import Choice, Question, QuizBank
from training_portal.quizzes.grading import draw


def _staff_client(app):
    with app.app_context():
        user = UserFactory()
    return login_client(app, user)


def _fail(app, client, slug="welcome"):
    public_id = start_quiz(client, slug)
    client.post(f"/quiz/{public_id}", data=answers_for(app, public_id, slug, right=False))
    return public_id


def _content_copy(tmp_path: Path, edit) -> str:
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT_DIR, content)
    edit(content / "modules" / "welcome")
    return str(content)


def test_result_after_a_fail_says_when_the_retry_opens_and_refreshes_then(make_app):
    app = make_app(QUIZ_RETRY_PAUSE_SECONDS=600)
    client = _staff_client(app)
    page = client.get(f"/quiz/{_fail(app, client)}/result").get_data(as_text=True)
    refresh = re.search(r'<meta http-equiv="refresh" content="(\d+)">', page)
    assert refresh and 590 <= int(refresh.group(1)) <= 600
    assert re.search(r"You can try again at \d\d:\d\d, in \d+ seconds", page)
    assert 'action="/modules/welcome/quiz/start"' not in page  # not open yet


def test_result_links_each_missed_question_to_the_page_that_teaches_it(app):
    client = _staff_client(app)
    page = client.get(f"/quiz/{_fail(app, client)}/result").get_data(as_text=True)
    assert 'href="/modules/welcome/1">Read again: Why this matters</a>' in page
    assert 'href="/modules/welcome/2">Read again: What you will learn</a>' in page
    reread = page[page.index("Read these pages again"):page.index("Your answers")]
    assert reread.index("/modules/welcome/1") < reread.index("/modules/welcome/2")


def test_once_the_pause_is_over_the_result_offers_the_retry_itself(make_app):
    app = make_app(QUIZ_RETRY_PAUSE_SECONDS=0)
    client = _staff_client(app)
    page = client.get(f"/quiz/{_fail(app, client)}/result").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert 'action="/modules/welcome/quiz/start"' in page and "Try again now" in page


def test_a_passed_result_neither_refreshes_nor_lists_pages(app):
    client = _staff_client(app)
    public_id = start_quiz(client, "welcome")
    client.post(f"/quiz/{public_id}", data=answers_for(app, public_id, "welcome"))
    page = client.get(f"/quiz/{public_id}/result").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "Read again" not in page


def test_the_quiz_opens_once_every_page_is_read_and_the_intro_names_the_unread(app):
    client = _staff_client(app)
    intro = client.get("/modules/welcome/quiz").get_data(as_text=True)
    assert "Read every page of the lesson first" in intro
    assert 'href="/modules/welcome/1">Why this matters</a>' in intro
    assert 'href="/modules/welcome/2">What you will learn</a>' in intro
    client.post("/modules/welcome/quiz/start")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
    client.get("/modules/welcome/1")
    intro = client.get("/modules/welcome/quiz").get_data(as_text=True)
    assert "Why this matters</a>" not in intro and "What you will learn</a>" in intro
    client.get("/modules/welcome/2")
    assert client.post("/modules/welcome/quiz/start").headers["Location"].startswith("/quiz/")


def test_test_out_lets_staff_take_the_quiz_without_reading(make_app, tmp_path):
    def allow(folder: Path) -> None:
        md = folder / "module.md"
        md.write_text(md.read_text().replace("status: published\n", "status: published\ntest_out: true\n"))

    app = make_app(CONTENT_DIR=_content_copy(tmp_path, allow))
    client = _staff_client(app)
    assert client.post("/modules/welcome/quiz/start").headers["Location"].startswith("/quiz/")


def test_a_retry_draws_the_questions_the_last_attempt_did_not_ask(make_app, tmp_path):
    def one_a_time(folder: Path) -> None:
        quiz = folder / "quiz.yaml"
        quiz.write_text(quiz.read_text().replace("questions_per_attempt: 2", "questions_per_attempt: 1"))

    app = make_app(CONTENT_DIR=_content_copy(tmp_path, one_a_time), QUIZ_RETRY_PAUSE_SECONDS=0)
    client = _staff_client(app)
    asked = []
    for _ in range(8):  # by chance alone, 7 alternations in a row would happen 1 time in 128
        asked.append(stored_attempt(app, _fail(app, client)).drawn[0]["question"])
    assert all(a != b for a, b in zip(asked, asked[1:], strict=False)), asked


def _bank(size: int, per_attempt: int) -> QuizBank:
    questions = tuple(Question(f"q{n}", "true_false", "?", None, (Choice("true", "True", True),
                                                                    Choice("false", "False", False)), "x")
                      for n in range(size))
    return QuizBank(50, per_attempt, True, questions)


def test_draw_avoids_the_last_questions_while_the_bank_has_others():
    for seed in range(20):
        drawn = draw(_bank(5, 2), random.Random(seed), avoid=frozenset({"q0", "q1", "q2"}))
        assert sorted(d.question_id for d in drawn) == ["q3", "q4"]


def test_draw_tops_up_from_the_last_questions_when_the_bank_is_small():
    for seed in range(20):
        drawn = [d.question_id for d in draw(_bank(4, 3), random.Random(seed), avoid=frozenset({"q0", "q1", "q2"}))]
        assert len(set(drawn)) == 3 and "q3" in drawn
