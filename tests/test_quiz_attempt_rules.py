"""Which open attempt a quiz start resumes, and what a refused start says (service and route)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import login_client
from tests.factories import AttemptFactory, UserFactory
from training_portal.extensions import db
from training_portal.learning import attempts as services

TODAY = date(2026, 5, 20)


@pytest.fixture(autouse=True)
def _every_page_read(monkeypatch):
    """These tests are about the other rules of a start; reading first has its own tests
    (tests/test_quiz_retry.py)."""
    monkeypatch.setattr(services.reading, "unread_pages", lambda user_id, module: ())


def _start(app, user_id, slug="welcome"):
    catalog = app.extensions["catalog"].current
    return services.start_attempt(user_id, catalog.get(slug), catalog.modules, TODAY, pause_seconds=0)


def _open(user_id, slug, content_hash, started):
    return AttemptFactory(user_id=user_id, module_slug=slug, content_hash=content_hash,
                          started_at=datetime(2026, 5, started, 12, 0, tzinfo=UTC)).id


def test_a_start_resumes_only_the_persons_own_open_attempt_on_this_module_as_it_is_now(app):
    with app.app_context():
        catalog = app.extensions["catalog"].current
        current = catalog.get("welcome").content_hash
        person, other = UserFactory(), UserFactory()
        earlier = {
            _open(other.id, "welcome", current, 19),  # someone else's
            _open(person.id, "spiking", catalog.get("spiking").content_hash, 19),  # another module
            _open(person.id, "welcome", "f" * 64, 19),  # the module before a content change
        }
        attempt = _start(app, person.id)
        db.session.commit()
        assert attempt.user_id == person.id
        assert attempt.module_slug == "welcome"
        assert attempt.content_hash == current
        assert attempt.id not in earlier  # a new one, drawn now


def test_a_refused_start_says_why(app):
    with app.app_context():
        person = UserFactory()
    client = login_client(app, person)
    client.post("/modules/spiking/quiz/start")  # spiking builds on welcome, not passed yet
    with client.session_transaction() as session:
        flashes = session.get("_flashes", [])
    assert ("error", "Finish the modules this one builds on first.") in flashes


# --- the gate: which graded attempt decides the retry pause, and where the pause ends ----------

NOW = datetime(2026, 5, 20, 21, 0, 0, tzinfo=UTC)


def _graded(user_id, slug, seconds_ago, passed):
    AttemptFactory(user_id=user_id, module_slug=slug, graded=True, passed=passed, score=100 if passed else 20,
                   graded_at=NOW - timedelta(seconds=seconds_ago))


def _gate(app, monkeypatch, user_id, now=NOW, slug="welcome", module=None):
    monkeypatch.setattr(services, "utcnow", lambda: now)
    catalog = app.extensions["catalog"].current
    return services.quiz_gate(user_id, module or catalog.get(slug), catalog.modules, TODAY, pause_seconds=60)


def test_the_pause_after_a_fail_ends_exactly_when_it_has_run_its_course(app, monkeypatch):
    with app.app_context():
        person = UserFactory()
        _graded(person.id, "welcome", 0, passed=False)
        waiting = _gate(app, monkeypatch, person.id, now=NOW + timedelta(seconds=59))
        assert (waiting.allowed, waiting.wait_seconds) == (False, 1)
        assert waiting.reason == "Take a short break, read the lesson again, then try again."
        assert _gate(app, monkeypatch, person.id, now=NOW + timedelta(seconds=60)).allowed


def test_only_the_persons_own_newest_graded_attempt_on_this_module_decides_the_pause(app, monkeypatch):
    with app.app_context():
        person, other = UserFactory(), UserFactory()
        _graded(other.id, "welcome", 10, passed=False)  # someone else's fail
        _graded(person.id, "spiking", 10, passed=False)  # a fail on another module
        assert _gate(app, monkeypatch, person.id).allowed
        _graded(person.id, "welcome", 3000, passed=True)  # an old pass, then a fail just now
        _graded(person.id, "welcome", 10, passed=False)
        assert not _gate(app, monkeypatch, person.id).allowed
        again = UserFactory()
        _graded(again.id, "welcome", 20, passed=False)  # a fail, then a pass just now
        _graded(again.id, "welcome", 10, passed=True)
        AttemptFactory(user_id=again.id, module_slug="welcome")  # and one not submitted yet
        assert _gate(app, monkeypatch, again.id).allowed


def test_a_published_module_without_a_quiz_cannot_be_started(app, monkeypatch):
    with app.app_context():
        welcome = app.extensions["catalog"].current.get("welcome")
        gate = _gate(app, monkeypatch, UserFactory().id, module=dataclasses.replace(welcome, quiz=None))
        assert not gate.allowed
        assert gate.reason == "This module has no quiz you can take."


# --- submitting: graded once, only this attempt, and what a refused submission says -----------

def _right_answers(app, attempt):
    bank = app.extensions["catalog"].current.get(attempt.module_slug).quiz
    return {item["question"]: sorted(bank.question(item["question"]).correct_ids) for item in attempt.drawn}


def test_submitting_grades_this_attempt_once_and_no_one_elses(app):
    with app.app_context():
        person, other = UserFactory(), UserFactory()
        mine, theirs = _start(app, person.id), _start(app, other.id)
        db.session.commit()
        module = app.extensions["catalog"].current.get("welcome")
        assert services.submit_attempt(mine, module, _right_answers(app, mine), TODAY) is True
        assert services.submit_attempt(mine, module, _right_answers(app, mine), TODAY) is False
        db.session.commit()
        db.session.refresh(theirs)
        assert theirs.graded_at is None and theirs.score is None
        assert mine.passed is True


def test_ticking_every_choice_of_a_question_is_an_answer_not_a_tampered_form(app):
    with app.app_context():
        attempt = _start(app, UserFactory().id)
        every = {item["question"]: list(item["choices"]) for item in attempt.drawn}
        assert services.clean_answers(attempt, every) == {q: sorted(c) for q, c in every.items()}


def test_a_refused_submission_says_why(app):
    with app.app_context():
        attempt = _start(app, UserFactory().id)
        module = app.extensions["catalog"].current.get("welcome")
        first = attempt.drawn[0]["question"]
        with pytest.raises(services.QuizError, match="That answer is not for a question in this quiz. Reload"):
            services.clean_answers(attempt, {"no-such-question": ["a"]})
        with pytest.raises(services.QuizError, match="That choice is not part of this question. Reload"):
            services.clean_answers(attempt, {first: ["no-such-choice"]})
        # An attempt from before snapshots (no stored questions or pass mark) reads the live bank:
        attempt.drawn = [{"question": d["question"], "choices": d["choices"]} for d in attempt.drawn]
        attempt.pass_mark = None
        with pytest.raises(services.QuizError, match="This module no longer has a quiz."):
            services.pass_mark_of(attempt, dataclasses.replace(module, quiz=None))
        with pytest.raises(services.QuizError, match="This quiz was updated while you were taking it. Start"):
            services.submit_attempt(attempt, dataclasses.replace(module, quiz=None), _right_answers(app, attempt),
                                    TODAY)
        answers = _right_answers(app, attempt)
        attempt.drawn = [{**attempt.drawn[0], "choices": [*attempt.drawn[0]["choices"], "gone"]},
                         *attempt.drawn[1:]]  # a choice since removed from the question
        with pytest.raises(services.QuizError, match="This quiz was updated while you were taking it. Start"):
            services.submit_attempt(attempt, module, answers, TODAY)
        assert attempt.graded_at is None
