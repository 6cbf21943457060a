"""Issue 9, item 6: at most one open attempt per person and module, enforced by the database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.conftest import login_client
from tests.factories import AttemptFactory, PageViewFactory, UserFactory
from tests.learning import module
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.learning import attempts as services
from training_portal.learning.models import Attempt
from training_portal.timeutil import site_today


def _read_welcome(user_id: int) -> None:
    """The quiz opens once every lesson page is read (the test module has two)."""
    for number in (1, 2):
        PageViewFactory(user_id=user_id, module_slug="welcome", page_number=number)


def _open_count(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(sa.func.count()).select_from(Attempt).where(
            Attempt.user_id == user_id, Attempt.graded_at.is_(None),
            Attempt.abandoned_at.is_(None))) or 0


def test_the_database_refuses_a_second_open_attempt(app):
    with app.app_context():
        user = UserFactory()
        AttemptFactory(user_id=user.id)
        with pytest.raises(IntegrityError):
            AttemptFactory(user_id=user.id)
        db.session.rollback()
        # Graded and abandoned attempts do not count as open.
        AttemptFactory(user_id=user.id, module_slug="spiking", graded=True)
        AttemptFactory(user_id=user.id, module_slug="spiking", abandoned_at=utcnow())
        AttemptFactory(user_id=user.id, module_slug="spiking")


def test_a_start_that_loses_the_race_returns_the_winners_attempt(app, monkeypatch):
    """Sequentially, on any database: the check saw no open attempt, the insert hits the index
    (inside a SAVEPOINT), and the start returns the attempt that won."""
    with app.app_context():
        user = UserFactory()
        _read_welcome(user.id)
        welcome = module(app, "welcome")
        modules = app.extensions["catalog"].current.modules
        winner = services.start_attempt(user.id, welcome, modules, site_today(), 0)
        db.session.commit()
        real = services._open_attempt
        calls: list[int] = []

        def check_misses_the_winner(user_id: int, slug: str) -> Attempt | None:
            calls.append(user_id)
            return None if len(calls) == 1 else real(user_id, slug)

        monkeypatch.setattr(services, "_open_attempt", check_misses_the_winner)
        second = services.start_attempt(user.id, welcome, modules, site_today(), 0)
        db.session.commit()
        assert second.id == winner.id and len(calls) == 2
    assert _open_count(app, user.id) == 1


def test_an_open_attempt_on_changed_content_is_abandoned_not_left_open(app):
    with app.app_context():
        user = UserFactory()
        _read_welcome(user.id)
        stale = AttemptFactory(user_id=user.id, content_hash="f" * 64,
                               started_at=utcnow() - timedelta(days=3))
        welcome = module(app, "welcome")
        fresh = services.start_attempt(user.id, welcome, app.extensions["catalog"].current.modules,
                                       site_today(), 0)
        db.session.commit()
        assert fresh.id != stale.id
        assert db.session.get(Attempt, stale.id).abandoned_at is not None
    assert _open_count(app, user.id) == 1


def _parallel_starts(app, n: int) -> tuple[list[int], list[BaseException], int]:
    with app.app_context():
        user = UserFactory()
        user_id = user.id
        _read_welcome(user_id)
        # Clients made up front: no thread holds a pooled connection while it waits.
        clients = [login_client(app, user) for _ in range(n)]
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def start(client) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=30)
            statuses.append(client.post("/modules/welcome/quiz/start").status_code)
        except BaseException as exc:  # noqa: BLE001 (reported by the caller)
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        started = db.session.scalar(select(sa.func.count()).select_from(Attempt).where(
            Attempt.user_id == user_id)) or 0
    return statuses, errors, started


def test_twenty_parallel_starts_open_one_attempt(app):
    """20 requests at once, each its own connection and transaction (CI runs this on PostgreSQL
    too, where they truly overlap): every one lands on the same, single attempt."""
    statuses, errors, started = _parallel_starts(app, 20)
    assert errors == [] and statuses == [302] * 20
    assert started == 1


def test_starting_afresh_abandons_only_this_persons_stale_attempt(app):
    with app.app_context():
        user, other = UserFactory(), UserFactory()
        _read_welcome(user.id)
        stale = AttemptFactory(user_id=user.id, content_hash="f" * 64)
        others = AttemptFactory(user_id=other.id, content_hash="f" * 64)
        services.start_attempt(user.id, module(app, "welcome"),
                               app.extensions["catalog"].current.modules, site_today(), 0)
        db.session.commit()
        assert db.session.get(Attempt, stale.id).abandoned_at is not None
        assert db.session.get(Attempt, others.id).abandoned_at is None
    assert _open_count(app, other.id) == 1


def test_an_attempt_graded_meanwhile_is_never_marked_abandoned(app):
    """Another request graded it between loading and abandoning: the grade stands."""
    with app.app_context():
        graded = AttemptFactory(graded=True, content_hash="f" * 64)
        services.abandon(graded)
        assert graded.abandoned_at is None and graded.passed is True


def test_an_attempt_keeps_a_snapshot_only_with_its_pass_mark_and_every_question(app):
    with app.app_context():
        old_style = AttemptFactory(pass_mark=50)  # the pass mark, but questions without texts
        assert not services.has_snapshot(old_style)


def test_the_quiz_page_offers_to_continue_only_the_persons_own_resumable_attempt(app):
    with app.app_context():
        user, other = UserFactory(), UserFactory()
        _read_welcome(user.id)
        _read_welcome(other.id)
        welcome = module(app, "welcome")
        AttemptFactory(user_id=other.id, content_hash=welcome.content_hash)
        stale = AttemptFactory(user_id=user.id, content_hash="f" * 64)  # old content, no snapshot
    page = login_client(app, user).get("/modules/welcome/quiz").get_data(as_text=True)
    assert "Start the quiz" in page and "Continue the quiz" not in page
    with app.app_context():
        db.session.get(Attempt, stale.id).content_hash = welcome.content_hash
        db.session.commit()
    page = login_client(app, user).get("/modules/welcome/quiz").get_data(as_text=True)
    assert "Continue the quiz" in page and "Start the quiz" not in page
    page = login_client(app, other).get("/modules/welcome/quiz").get_data(as_text=True)
    assert "Continue the quiz" in page


_DRAWN = [{"question": "first-to-notice", "choices": ["true", "false"]},
          {"question": "patterns", "choices": ["a", "b"]}]
_RIGHT = {"first-to-notice": ["true"], "patterns": ["a"]}


def test_an_abandoned_attempt_is_never_graded_even_when_this_request_missed_it(app):
    with app.app_context():
        welcome = module(app, "welcome")
        closed = AttemptFactory(content_hash=welcome.content_hash, drawn=_DRAWN, abandoned_at=utcnow())
        with pytest.raises(services.QuizError) as refused:
            services.submit_attempt(closed, welcome, _RIGHT, site_today())
        assert str(refused.value) == ("This attempt was closed because the module changed. "
                                      "Start the quiz again.")
        racing = AttemptFactory(content_hash=welcome.content_hash, drawn=_DRAWN)
        db.session.execute(sa.update(Attempt).where(Attempt.id == racing.id).values(
            abandoned_at=utcnow()).execution_options(synchronize_session=False))
        assert racing.abandoned_at is None  # this request's copy still looks open
        assert services.submit_attempt(racing, welcome, _RIGHT, site_today()) is False
        assert (racing.graded_at, racing.passed) == (None, None)


def test_an_abandoned_attempt_is_not_offered_to_continue(app):
    with app.app_context():
        user = UserFactory()
        _read_welcome(user.id)
        AttemptFactory(user_id=user.id, content_hash=module(app, "welcome").content_hash,
                       abandoned_at=utcnow())
    page = login_client(app, user).get("/modules/welcome/quiz").get_data(as_text=True)
    assert "Start the quiz" in page and "Continue the quiz" not in page
