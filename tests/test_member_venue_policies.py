"""Which venue rules reach a person's My training: their current venues only, and only the
modules each venue requires. Dates are pinned (docs/testing.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.conftest import login_client
from tests.factories import CompletionFactory, MembershipFactory, UserFactory, VenueFactory
from training_portal.learning.status import Refresher
from training_portal.learning.venue_policy import policies_of_member, refreshers_by_module

TODAY = date(2026, 5, 20)


def _my_training(app, monkeypatch, person) -> str:
    monkeypatch.setattr("training_portal.web.lessons.site_today", lambda: TODAY)
    return login_client(app, person).get("/").get_data(as_text=True)


def _catalog(app):
    return app.extensions["catalog"].current.ordered


def _welcome_passed_on_1_april(person_id: int) -> None:
    # The module's own period: valid until 1 April 2027. A 1-month refresher: 1 May 2026.
    CompletionFactory(user_id=person_id, module_slug="welcome",
                      passed_at=datetime(2026, 4, 1, 12, 0, tzinfo=UTC), expires_on=date(2027, 4, 1))


def test_another_persons_venue_rule_never_reaches_my_training(app, monkeypatch):
    with app.app_context():
        person = UserFactory()
        easy = VenueFactory(name="The Easy Inn")
        MembershipFactory(user=person, venue=easy)
        MembershipFactory(venue=VenueFactory(name="The Strict Arms", refresher_months=1))  # someone else
        _welcome_passed_on_1_april(person.id)
        assert [(p.venue_id, p.venue_name) for p in policies_of_member(person.id)] == [(easy.id, "The Easy Inn")]
    page = _my_training(app, monkeypatch, person)
    assert "valid until 1 Apr 2027" in page
    assert "The Strict Arms" not in page


def test_a_venue_the_person_has_left_no_longer_sets_their_dates(app, monkeypatch):
    with app.app_context():
        person = UserFactory()
        MembershipFactory(user=person, venue=VenueFactory(name="The Strict Arms", refresher_months=1),
                          left=True)
        _welcome_passed_on_1_april(person.id)
        assert policies_of_member(person.id) == []
    page = _my_training(app, monkeypatch, person)
    assert "valid until 1 Apr 2027" in page
    assert "The Strict Arms" not in page


def test_a_refresher_applies_only_to_the_modules_the_venue_requires(app, monkeypatch):
    with app.app_context():
        person = UserFactory()
        MembershipFactory(user=person, venue=VenueFactory(name="The Strict Arms", refresher_months=1,
                                                          required_modules=["spiking"]))
        _welcome_passed_on_1_april(person.id)
        CompletionFactory(user_id=person.id, module_slug="spiking", module_version="2.0",
                          passed_at=datetime(2026, 4, 10, 12, 0, tzinfo=UTC), expires_on=date(2027, 4, 10))
        assert refreshers_by_module(policies_of_member(person.id), _catalog(app)) == {
            "welcome": (), "spiking": (Refresher(1, "The Strict Arms"),), "door-notes": ()}
    page = _my_training(app, monkeypatch, person)
    assert "valid until 1 Apr 2027" in page  # welcome: its own date
    assert "The Strict Arms renews this training more often" in page  # spiking: 10 May 2026


def test_of_two_venues_with_the_same_rule_the_first_by_name_is_named(app, monkeypatch):
    with app.app_context():
        person = UserFactory()
        # Joined Beta first, so neither id order nor insertion order gives the expected answer.
        MembershipFactory(user=person, venue=VenueFactory(name="Beta Bar", refresher_months=3))
        MembershipFactory(user=person, venue=VenueFactory(name="Alpha Arms", refresher_months=3))
        _welcome_passed_on_1_april(person.id)
        assert [p.venue_name for p in policies_of_member(person.id)] == ["Alpha Arms", "Beta Bar"]
    page = _my_training(app, monkeypatch, person)
    assert "valid until 1 Jul 2026" in page
    assert "Alpha Arms renews this training more often" in page
