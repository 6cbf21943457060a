"""Which open attempt a quiz start resumes, and what a refused start says (service and route)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.conftest import login_client
from tests.factories import AttemptFactory, UserFactory
from training_portal.extensions import db
from training_portal.learning import attempts as services

TODAY = date(2026, 5, 20)


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


def test_of_two_open_attempts_the_newest_is_resumed(app):
    with app.app_context():
        current = app.extensions["catalog"].current.get("welcome").content_hash
        person = UserFactory()
        newest = _open(person.id, "welcome", current, 18)   # recorded first, started later
        _open(person.id, "welcome", current, 10)
        assert _start(app, person.id).id == newest


def test_a_refused_start_says_why(app):
    with app.app_context():
        person = UserFactory()
    client = login_client(app, person)
    client.post("/modules/spiking/quiz/start")  # spiking builds on welcome, not passed yet
    with client.session_transaction() as session:
        flashes = session.get("_flashes", [])
    assert ("error", "Finish the modules this one builds on first.") in flashes
