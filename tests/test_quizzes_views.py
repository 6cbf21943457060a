"""Quizzes graded on the server: drawing, grading, tampering, double submits, pauses."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from tests.conftest import login_client, outbox
from tests.factories import AttemptFactory, CompletionFactory, UserFactory
from tests.learning import answers_for, module, pass_quiz, start_quiz, stored_attempt
from training_portal.certificates.models import Certificate
from training_portal.extensions import db
from training_portal.learning.models import Attempt, Completion
from training_portal.notifications.models import QueuedMail
from training_portal.timeutil import add_months, site_today


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _staff_client(app):
    with app.app_context():
        user = UserFactory()
    return user, login_client(app, user)


def test_starting_draws_and_stores_questions_on_the_server(app):
    _user, client = _staff_client(app)
    public_id = start_quiz(client, "welcome")
    attempt = stored_attempt(app, public_id)
    assert len(attempt.drawn) == 2 and attempt.graded_at is None
    assert attempt.module_version == "1.2"
    assert attempt.content_hash == module(app, "welcome").content_hash
    assert start_quiz(client, "welcome") == public_id  # resuming never redraws


def test_quiz_page_carries_no_marker_of_correct_choices(app):
    user, client = _staff_client(app)
    with app.app_context():
        CompletionFactory(user_id=user.id, module_slug="welcome")
    public_id = start_quiz(client, "spiking")
    page = client.get(f"/quiz/{public_id}").get_data(as_text=True)
    bank = module(app, "spiking").quiz
    assert "Which of these can be signs of spiking?" in page
    assert "correct" not in page.lower()
    for question in bank.questions:
        assert question.explanation not in page
        for choice in question.choices:
            if choice.feedback:
                assert choice.feedback not in page
    # Choice values are ids only; nothing distinguishes right from wrong in the markup.
    for question in bank.questions:
        right = [c.id for c in question.choices if c.is_correct][0]
        assert f'value="{right}" data' not in page


def test_passing_records_one_completion_with_version_hash_expiry_and_certificate(app):
    user, client = _staff_client(app)
    public_id = pass_quiz(app, client, "welcome")
    page = client.get(f"/quiz/{public_id}/result").get_data(as_text=True)
    assert "You passed" in page and "Your score: 100%" in page
    assert "Patterns tell you more than one moment." in page  # explanations shown after
    with app.app_context():
        completion = db.session.scalar(select(Completion))
        welcome = module(app, "welcome")
        assert completion.user_id == user.id and completion.score == 100
        assert completion.module_version == "1.2"
        assert completion.content_hash == welcome.content_hash
        assert completion.expires_on == add_months(site_today(), 12)
        assert db.session.scalar(select(Certificate)).completion_id == completion.id


def test_failing_records_no_completion_and_offers_retry(app):
    _user, client = _staff_client(app)
    public_id = start_quiz(client, "welcome")
    client.post(f"/quiz/{public_id}", data=answers_for(app, public_id, "welcome", right=False))
    page = client.get(f"/quiz/{public_id}/result").get_data(as_text=True)
    assert "Not passed this time" in page and "Your score: 0%" in page and "Try again" in page
    assert _count(app, Completion) == 0
    assert stored_attempt(app, public_id).passed is False
    second = start_quiz(client, "welcome")
    assert second != public_id and _count(app, Attempt) == 2  # every attempt kept


def test_retry_waits_for_the_configured_pause(make_app):
    app = make_app(QUIZ_RETRY_PAUSE_SECONDS=600)
    _user, client = _staff_client(app)
    public_id = start_quiz(client, "welcome")
    client.post(f"/quiz/{public_id}", data=answers_for(app, public_id, "welcome", right=False))
    response = client.post("/modules/welcome/quiz/start")
    assert response.headers["Location"] == "/modules/welcome/quiz"
    page = client.get("/modules/welcome/quiz").get_data(as_text=True)
    assert "Take a short break" in page and "try again in" in page
    assert _count(app, Attempt) == 1


def test_double_submit_returns_the_first_result_and_records_nothing_new(app):
    _user, client = _staff_client(app)
    public_id = start_quiz(client, "welcome")
    right = answers_for(app, public_id, "welcome")
    first = client.post(f"/quiz/{public_id}", data=right)
    second = client.post(f"/quiz/{public_id}", data=answers_for(app, public_id, "welcome", False))
    assert first.headers["Location"] == second.headers["Location"]
    attempt = stored_attempt(app, public_id)
    assert attempt.passed is True and attempt.score == 100
    assert _count(app, Completion) == 1 and _count(app, Certificate) == 1
    assert len(outbox(app)) == 1


def test_racing_submits_give_one_result(app):
    """Two requests at the same moment (two connections, real commits): one completion."""
    user, _client = _staff_client(app)
    public_id = start_quiz(login_client(app, user), "welcome")
    data = answers_for(app, public_id, "welcome")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit() -> None:
        client = login_client(app, user)
        barrier.wait()
        statuses.append(client.post(f"/quiz/{public_id}", data=data).status_code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert _count(app, Completion) == 1 and _count(app, Certificate) == 1
    assert _count(app, QueuedMail) == 1  # one pass email, however the race went


def test_answers_for_questions_not_in_the_attempt_are_rejected(app):
    _user, client = _staff_client(app)
    public_id = start_quiz(client, "welcome")
    data = answers_for(app, public_id, "welcome")
    data["q-not-drawn"] = ["a"]
    response = client.post(f"/quiz/{public_id}", data=data)
    assert response.headers["Location"] == "/modules/welcome/quiz"
    assert stored_attempt(app, public_id).graded_at is None


def test_choice_ids_from_outside_the_question_are_rejected(app):
    _user, client = _staff_client(app)
    public_id = start_quiz(client, "welcome")
    data = answers_for(app, public_id, "welcome")
    first_question = next(iter(data))
    data[first_question] = ["z"]
    client.post(f"/quiz/{public_id}", data=data)
    assert stored_attempt(app, public_id).graded_at is None
    assert "not part of this question" in client.get("/modules/welcome/quiz").get_data(True)


def test_empty_submission_keeps_answers_and_changes_nothing(app):
    _user, client = _staff_client(app)
    public_id = start_quiz(client, "welcome")
    response = client.post(f"/quiz/{public_id}", data={})
    assert response.status_code == 200  # the form again with a message, not a client error
    assert "2 questions have no answer yet" in response.get_data(as_text=True)
    data = answers_for(app, public_id, "welcome")
    partial = dict(list(data.items())[:1])
    page = client.post(f"/quiz/{public_id}", data=partial).get_data(as_text=True)
    assert "1 question has no answer yet" in page and "checked" in page
    assert stored_attempt(app, public_id).graded_at is None


def test_another_persons_attempt_is_not_found(app):
    with app.app_context():
        attempt = AttemptFactory()
    _user, client = _staff_client(app)
    assert client.get(f"/quiz/{attempt.public_id}").status_code == 404
    assert client.post(f"/quiz/{attempt.public_id}",
                       data={"q-patterns": ["a"]}).status_code == 404
    assert client.get(f"/quiz/{attempt.public_id}/result").status_code == 404
    assert client.get("/quiz/made-up-id").status_code == 404
    assert stored_attempt(app, attempt.public_id).graded_at is None


def test_quiz_for_draft_or_unknown_module_is_not_found(app):
    _user, client = _staff_client(app)
    for slug in ("door-notes", "no-such-module"):
        assert client.get(f"/modules/{slug}/quiz").status_code == 404
        assert client.post(f"/modules/{slug}/quiz/start").status_code == 404
    assert _count(app, Attempt) == 0


def test_prerequisites_are_enforced(app):
    user, client = _staff_client(app)
    page = client.get("/modules/spiking/quiz").get_data(as_text=True)
    assert "Finish the modules this one builds on first" in page
    assert "Welcome to the programme" in page
    client.post("/modules/spiking/quiz/start")
    assert _count(app, Attempt) == 0
    pass_quiz(app, client, "welcome")
    assert start_quiz(client, "spiking")


def test_passing_emails_links_to_certificate_and_verify_page(app):
    _user, client = _staff_client(app)
    pass_quiz(app, client, "welcome")
    with app.app_context():
        certificate = db.session.scalar(select(Certificate))
    body = outbox(app)[-1].get_content()
    assert f"https://training.example.org/my/certificates/{certificate.id}.pdf" in body
    assert "https://training.example.org/verify/" + certificate.code[:4] in body
