"""Every `can_*` answer in policy.py, for every kind of person (the routes test them too)."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import Forbidden, NotFound

from tests.conftest import login_client
from tests.factories import CertificateFactory, CompletionFactory, MembershipFactory, UserFactory, VenueFactory
from training_portal import policy
from training_portal.accounts.sessions import SignedInUser
from training_portal.extensions import db
from training_portal.policy import Rule
from training_portal.venues.models import Venue


def _signed_in(user) -> SignedInUser:
    """The object a request sees for a signed-in person."""
    return SignedInUser(id=user.id, name=user.name, email=user.email, is_trainer=user.is_trainer,
                        is_admin=user.is_admin, session_version=user.session_version)


def _people(app):
    """A venue with its owner, a co-manager, a staff member and a former manager; others outside."""
    with app.app_context():
        owner = UserFactory()
        venue = VenueFactory(created_by=owner)
        MembershipFactory(user=owner, venue=venue, manager=True)
        co_manager = MembershipFactory(venue=venue, manager=True).user
        staff = MembershipFactory(venue=venue).user
        former = MembershipFactory(venue=venue, manager=True, left=True).user
        other_manager = MembershipFactory(manager=True).user
        people = {
            "owner": owner, "co_manager": co_manager, "staff": staff, "former": former,
            "other_manager": other_manager, "stranger": UserFactory(),
            "trainer": UserFactory(trainer=True), "admin": UserFactory(admin=True),
        }
        return {k: _signed_in(v) for k, v in people.items()}, venue.id


def test_who_manages_a_venue_and_who_changes_its_managers(app):
    people, venue_id = _people(app)
    with app.app_context():
        venue = db.session.get(Venue, venue_id)
        manage = {name for name, who in people.items() if policy.can_manage_venue(who, venue)}
        change = {name for name, who in people.items() if policy.can_change_managers(who, venue)}
        assert manage == {"owner", "co_manager", "admin"}
        assert change == {"owner", "admin"}
        assert not policy.can_manage_venue(AnonymousUserMixin(), venue)
        assert not policy.can_change_managers(AnonymousUserMixin(), venue)


def test_an_owner_who_has_left_no_longer_changes_managers(app):
    with app.app_context():
        owner = UserFactory()
        venue = VenueFactory(created_by=owner)
        MembershipFactory(user=owner, venue=venue, manager=True, left=True)
        assert not policy.can_manage_venue(_signed_in(owner), venue)
        assert not policy.can_change_managers(_signed_in(owner), venue)


def test_who_may_create_a_venue(app):
    with app.app_context():
        active, disabled = UserFactory(), UserFactory(is_disabled=True)
        assert policy.can_create_venue(active)
        assert policy.can_create_venue(_signed_in(active))
        assert not policy.can_create_venue(disabled)  # signed in, but the account is disabled
        assert not policy.can_create_venue(AnonymousUserMixin())


def test_only_trainers_and_admins_preview_content(app):
    people, _venue_id = _people(app)
    preview = {name for name, who in people.items() if policy.can_preview_content(who)}
    assert preview == {"trainer", "admin"}
    assert not policy.can_preview_content(AnonymousUserMixin())


def test_only_admins_revoke_certificates(app):
    people, _venue_id = _people(app)
    assert {name for name, who in people.items() if policy.can_revoke_certificates(who)} == {"admin"}
    assert not policy.can_revoke_certificates(AnonymousUserMixin())


def test_a_certificate_is_seen_by_its_holder_and_admins_only(app):
    people, _venue_id = _people(app)
    with app.app_context():
        certificate = CertificateFactory(completion=CompletionFactory(user_id=people["staff"].id))
        seen = {name for name, who in people.items() if policy.can_view_certificate(who, certificate)}
        assert seen == {"staff", "admin"}
        assert not policy.can_view_certificate(AnonymousUserMixin(), certificate)


def test_routes_carry_the_rule_they_were_declared_with(app):
    views = app.view_functions
    assert views["certificates.revoke"].access_rule is Rule.ADMIN
    assert views["trainer.content_status"].access_rule is Rule.TRAINER
    assert views["certificates.verify"].access_rule is Rule.PUBLIC
    assert views["certificates.download"].access_rule is Rule.OBJECT
    assert views["accounts.account"].access_rule is Rule.SIGNED_IN


def test_route_rules_turn_people_away(app):
    with app.app_context():
        staff, trainer, admin = UserFactory(), UserFactory(trainer=True), UserFactory(admin=True)
    anonymous = app.test_client()
    assert anonymous.get("/account").status_code == 302
    assert anonymous.get("/trainer/").status_code == 302
    assert login_client(app, staff).get("/trainer/").status_code == 403
    assert login_client(app, trainer).get("/trainer/").status_code == 200
    assert login_client(app, admin).get("/trainer/").status_code == 200
    assert login_client(app, trainer).post("/certificates/1/revoke").status_code == 403
    assert login_client(app, admin).post("/certificates/1/revoke").status_code == 404


def test_require_aborts_only_when_not_allowed(app):
    policy.require(True)
    policy.require(True, 404)
    with pytest.raises(Forbidden):
        policy.require(False)
    with pytest.raises(NotFound):
        policy.require(False, 404)

