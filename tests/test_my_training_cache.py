"""My training is kept rendered per person (web/lessons.render_my_training): a kept page must
never show anything out of date. Each test reads the page, changes one thing the page shows,
and reads it again through the same worker. Dates are pinned (docs/testing.md)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime

from flask import template_rendered

from tests.conftest import TEST_CONTENT_DIR, login_client
from tests.factories import AttemptFactory, CompletionFactory, MembershipFactory, UserFactory, VenueFactory
from training_portal.accounts.models import User
from training_portal.extensions import db
from training_portal.learning.models import Completion
from training_portal.learning.reading import record_page_view
from training_portal.venues.models import ROLE_MANAGER, Membership, Venue

TODAY = date(2026, 5, 20)


def _pin(monkeypatch, day: date) -> None:
    monkeypatch.setattr("training_portal.web.lessons.site_today", lambda: day)


def _renders(app) -> list[str]:
    names: list[str] = []
    template_rendered.connect(lambda _app, template, context, **_: names.append(template.name), app,
                              weak=False)
    return names


def test_an_unchanged_page_is_served_without_rendering_it_again(app, monkeypatch):
    _pin(monkeypatch, TODAY)
    with app.app_context():
        person = UserFactory(name="Kim Kept")
    client = login_client(app, person)
    renders = _renders(app)
    first = client.get("/my/training").get_data(as_text=True)
    second = client.get("/my/training").get_data(as_text=True)
    assert renders.count("modules/my_training.html") == 1
    assert first == second and "Hello, <bdi>Kim Kept</bdi>." in second


def test_a_page_read_shows_at_once(app, monkeypatch):
    _pin(monkeypatch, TODAY)
    with app.app_context():
        person = UserFactory()
    client = login_client(app, person)
    assert "In progress" not in client.get("/my/training").get_data(as_text=True)
    with app.app_context():
        record_page_view(person.id, "welcome", 1)
        db.session.commit()
    assert "In progress" in client.get("/my/training").get_data(as_text=True)


def test_a_pass_shows_at_once_and_expires_on_its_day(app, monkeypatch):
    _pin(monkeypatch, date(2027, 3, 31))
    with app.app_context():
        person = UserFactory()
    client = login_client(app, person)
    assert "1 Apr 2026" not in client.get("/my/training").get_data(as_text=True)
    with app.app_context():
        CompletionFactory(user_id=person.id, module_slug="welcome",
                          passed_at=datetime(2026, 4, 1, 12, 0, tzinfo=UTC), expires_on=date(2027, 4, 1))
    page = client.get("/my/training").get_data(as_text=True)
    assert "Refresher due soon" in page and "passed 1 Apr 2026" in page
    _pin(monkeypatch, date(2027, 4, 2))
    page = client.get("/my/training").get_data(as_text=True)
    assert "Expired – take the refresher" in page and "Refresher due soon" not in page


def test_joining_a_venue_shows_at_once(app, monkeypatch):
    _pin(monkeypatch, TODAY)
    with app.app_context():
        person = UserFactory()
        venue = VenueFactory(name="The Kept Arms")
    client = login_client(app, person)
    assert "The Kept Arms" not in client.get("/my/training").get_data(as_text=True)
    with app.app_context():
        MembershipFactory(user=db.session.get(User, person.id), venue=db.session.merge(venue))
    assert "The Kept Arms" in client.get("/my/training").get_data(as_text=True)


def test_a_new_name_shows_at_once(app, monkeypatch):
    _pin(monkeypatch, TODAY)
    with app.app_context():
        person = UserFactory(name="Sam Before")
    client = login_client(app, person)
    assert "Hello, <bdi>Sam Before</bdi>." in client.get("/my/training").get_data(as_text=True)
    with app.app_context():
        db.session.get(User, person.id).name = "Sam After"
        db.session.commit()
    assert "Hello, <bdi>Sam After</bdi>." in client.get("/my/training").get_data(as_text=True)


def test_two_people_with_the_same_progress_each_see_their_own_page(app, monkeypatch):
    _pin(monkeypatch, TODAY)
    with app.app_context():
        ana, ben = UserFactory(name="Ana Own"), UserFactory(name="Ben Own")
    assert "Hello, <bdi>Ana Own</bdi>." in login_client(app, ana).get("/my/training").get_data(as_text=True)
    page = login_client(app, ben).get("/my/training").get_data(as_text=True)
    assert "Hello, <bdi>Ben Own</bdi>." in page and "Ana Own" not in page


def test_leaving_a_venue_shows_at_once(app, monkeypatch):
    _pin(monkeypatch, TODAY)
    with app.app_context():
        membership = MembershipFactory(venue=VenueFactory(name="The Leavers Arms"))
        person = membership.user
    client = login_client(app, person)
    assert "The Leavers Arms" in client.get("/my/training").get_data(as_text=True)
    with app.app_context():
        db.session.get(Membership, membership.id).left_at = datetime(2026, 5, 19, tzinfo=UTC)
        db.session.commit()
    assert "The Leavers Arms" not in client.get("/my/training").get_data(as_text=True)


def test_a_venue_policy_change_shows_at_once(app, monkeypatch):
    """A refresher period, then which modules it applies to (a JSON list in the database)."""
    _pin(monkeypatch, date(2026, 4, 20))
    with app.app_context():
        membership = MembershipFactory(venue=VenueFactory(name="The Strict Arms"))
        person, venue_id = membership.user, membership.venue_id
        CompletionFactory(user_id=person.id, module_slug="welcome",
                          passed_at=datetime(2026, 4, 1, 12, 0, tzinfo=UTC), expires_on=date(2027, 4, 1))
    client = login_client(app, person)
    assert "valid until 1 Apr 2027" in client.get("/my/training").get_data(as_text=True)

    def policy(**changes: object) -> str:
        with app.app_context():
            venue = db.session.get(Venue, venue_id)
            for name, value in changes.items():
                setattr(venue, name, value)
            db.session.commit()
        return client.get("/my/training").get_data(as_text=True)

    page = policy(refresher_months=1)
    assert "valid until 1 May 2026" in page and "The Strict Arms renews this training" in page
    page = policy(required_modules=["spiking"])
    assert "valid until 1 Apr 2027" in page and "renews this training" not in page
    assert "valid until 1 May 2026" in policy(required_modules=["welcome", "spiking"])


def test_becoming_a_venues_manager_shows_at_once(app, monkeypatch):
    _pin(monkeypatch, TODAY)
    with app.app_context():
        membership = MembershipFactory(venue=VenueFactory(name="The Promoted Arms"))
        person, venue_id = membership.user, membership.venue_id
    client = login_client(app, person)
    assert f'href="/venues/{venue_id}/training">manage' not in client.get("/my/training").get_data(as_text=True)
    with app.app_context():
        db.session.get(Membership, membership.id).role = ROLE_MANAGER
        db.session.commit()
    assert f'href="/venues/{venue_id}/training">manage' in client.get("/my/training").get_data(as_text=True)


def test_a_failed_quiz_shows_at_once(app, monkeypatch):
    _pin(monkeypatch, TODAY)
    with app.app_context():
        person = UserFactory()
    client = login_client(app, person)
    assert "In progress" not in client.get("/my/training").get_data(as_text=True)
    with app.app_context():
        AttemptFactory(user_id=person.id, module_slug="welcome", answers={"patterns": ["b"]},
                       results={"patterns": False}, score=0, passed=False,
                       graded_at=datetime(2026, 5, 20, 9, 0, tzinfo=UTC))
    assert "In progress" in client.get("/my/training").get_data(as_text=True)


def test_a_revoked_pass_shows_at_once(app, monkeypatch):
    _pin(monkeypatch, TODAY)
    with app.app_context():
        person = UserFactory()
        completion = CompletionFactory(user_id=person.id, module_slug="welcome",
                                       passed_at=datetime(2026, 4, 1, 12, 0, tzinfo=UTC),
                                       expires_on=date(2027, 4, 1))
    client = login_client(app, person)
    assert "Passed 1 Apr 2026" in client.get("/my/training").get_data(as_text=True)
    with app.app_context():
        db.session.get(Completion, completion.id).revoked_at = datetime(2026, 5, 19, tzinfo=UTC)
        db.session.commit()
    page = client.get("/my/training").get_data(as_text=True)
    assert "Passed 1 Apr 2026" not in page and "In progress" in page


def test_a_content_reload_shows_at_once(make_app, monkeypatch, tmp_path):
    _pin(monkeypatch, TODAY)
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT_DIR, content)
    app = make_app(CONTENT_DIR=str(content))
    with app.app_context():
        person = UserFactory()
    client = login_client(app, person)
    assert "Welcome to the programme" in client.get("/my/training").get_data(as_text=True)
    module = content / "modules" / "welcome" / "module.md"
    module.write_text(module.read_text().replace("title: Welcome to the programme",
                                                 "title: Welcome aboard"))
    assert app.extensions["catalog"].reload()
    page = client.get("/my/training").get_data(as_text=True)
    assert "Welcome aboard" in page and "Welcome to the programme" not in page
