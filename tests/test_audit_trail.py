"""Who did what: every sensitive change leaves one audit row naming the actor and the target.

The audit trail is evidence when a licensing officer or the partnership asks who removed a
person, changed a venue or revoked a certificate, so each action is checked through its page.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import login_client, outbox
from tests.factories import CertificateFactory, CompletionFactory, MembershipFactory, UserFactory, VenueFactory
from training_portal.audit import AuditEvent
from training_portal.certificates.models import Certificate
from training_portal.extensions import db
from training_portal.venues.models import ManagerInvitation, Membership, Venue


def _events(app, action: str) -> list[tuple]:
    with app.app_context():
        return [(e.actor_id, e.action, e.target_type, e.target_id, e.detail) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def _venue(app, **venue_kw):
    with app.app_context():
        owner = UserFactory()
        venue = VenueFactory(created_by=owner, **venue_kw)
        MembershipFactory(user=owner, venue=venue, manager=True)
    return owner, venue


def test_creating_a_venue_is_recorded_with_its_owner(app):
    with app.app_context():
        owner = UserFactory()
    client = login_client(app, owner)
    client.post("/venues/new", data={"name": "The Crown", "address": "1 High St",
                                     "postcode": "ab1 2cd", "licence_number": ""})
    with app.app_context():
        venue = db.session.scalar(select(Venue))
        assert venue.created_by_id == owner.id and venue.licence_number is None
    assert _events(app, "venue.created") == [(owner.id, "venue.created", "venue", venue.id, {})]


def test_a_licence_number_is_kept_as_typed(app):
    with app.app_context():
        owner = UserFactory()
    login_client(app, owner).post("/venues/new", data={
        "name": "The Crown", "address": "1 High St", "postcode": "AB1 2CD",
        "licence_number": "PL/123"})
    with app.app_context():
        assert db.session.scalar(select(Venue)).licence_number == "PL/123"


def test_editing_a_venue_saves_it_and_is_recorded(app):
    owner, venue = _venue(app, licence_number="OLD/1")
    response = login_client(app, owner).post(f"/venues/{venue.id}/edit", data={
        "name": "The Crown and Anchor", "address": "2 Quay St", "postcode": "zz9 9zz",
        "licence_number": ""})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Venue, venue.id)
        assert (row.name, row.address, row.postcode, row.licence_number) == (
            "The Crown and Anchor", "2 Quay St", "ZZ9 9ZZ", None)
    assert _events(app, "venue.updated") == [(owner.id, "venue.updated", "venue", venue.id, {})]


def test_a_manager_of_another_venue_cannot_edit_it(app):
    _owner, venue = _venue(app, name="The Crown")
    other, _other_venue = _venue(app)
    response = login_client(app, other).post(f"/venues/{venue.id}/edit", data={
        "name": "Hijacked", "address": "x", "postcode": "AB1 2CD"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Venue, venue.id).name == "The Crown"
    assert _events(app, "venue.updated") == []


def test_rotating_the_join_code_is_recorded(app):
    owner, venue = _venue(app)
    login_client(app, owner).post(f"/venues/{venue.id}/rotate-code")
    assert _events(app, "venue.join_code_rotated") == [
        (owner.id, "venue.join_code_rotated", "venue", venue.id, {})]


def test_joining_is_recorded_once(app):
    _owner, venue = _venue(app, join_code="ABCD2345")
    with app.app_context():
        staff = UserFactory()
    client = login_client(app, staff)
    client.post("/join/ABCD2345")
    client.post("/join/ABCD2345")
    assert _events(app, "venue.joined") == [(staff.id, "venue.joined", "venue", venue.id, {})]


def test_marking_a_leaver_is_recorded_and_the_owner_is_told_why_not(app):
    owner, venue = _venue(app)
    with app.app_context():
        member = MembershipFactory(venue=venue)
        own = db.session.scalar(select(Membership).where(Membership.user_id == owner.id))
    client = login_client(app, owner)
    client.post(f"/venues/{venue.id}/members/{member.id}/leave")
    client.post(f"/venues/{venue.id}/members/{member.id}/leave")  # a second tap changes nothing
    assert _events(app, "venue.member_left") == [
        (owner.id, "venue.member_left", "membership", member.id, {})]
    page = client.post(f"/venues/{venue.id}/members/{own.id}/leave",
                       follow_redirects=True).get_data(as_text=True)
    assert "owner cannot be marked as having left" in page
    assert len(_events(app, "venue.member_left")) == 1


def test_inviting_accepting_and_removing_a_co_manager_is_recorded(app):
    owner, venue = _venue(app)
    with app.app_context():
        colleague = UserFactory(email="colleague@example.org")
    client = login_client(app, owner)
    client.post(f"/venues/{venue.id}/managers", data={"email": "  Colleague@Example.org "})
    with app.app_context():
        invitation = db.session.scalar(select(ManagerInvitation))
        assert invitation.email == "colleague@example.org"
        assert db.session.scalar(select(Membership).where(Membership.user_id == colleague.id)) is None
    assert _events(app, "venue.manager_invited") == [
        (owner.id, "venue.manager_invited", "venue", venue.id, {"invitation": invitation.id})]
    link = re.search(r"(/invitations/\S+)", outbox(app)[-1].get_content()).group(1)
    login_client(app, colleague).post(link, data={"accept": "1"})
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == colleague.id))
        assert membership.is_manager
    assert _events(app, "venue.manager_added") == [
        (colleague.id, "venue.manager_added", "membership", membership.id,
         {"invitation": invitation.id})]
    client.post(f"/venues/{venue.id}/managers/{membership.id}/remove")
    assert _events(app, "venue.manager_removed") == [
        (owner.id, "venue.manager_removed", "membership", membership.id, {})]


def test_a_disabled_account_never_becomes_a_co_manager(app):
    owner, venue = _venue(app)
    with app.app_context():
        gone = UserFactory(email="gone@example.org", is_disabled=True)
    response = login_client(app, owner).post(f"/venues/{venue.id}/managers",
                                             data={"email": "gone@example.org"})
    assert response.status_code == 302  # the same answer as for anyone else
    assert _events(app, "venue.manager_added") == []
    with app.app_context():
        assert db.session.scalar(select(Membership).where(Membership.user_id == gone.id)) is None


def test_revoking_is_recorded_with_the_reason_and_a_second_revoke_is_refused(app):
    with app.app_context():
        admin = UserFactory(admin=True)
        cert = CertificateFactory(completion=CompletionFactory())
    client = login_client(app, admin)
    client.post(f"/certificates/{cert.id}/revoke", data={"reason": "Issued in error."})
    assert _events(app, "certificate.revoked") == [
        (admin.id, "certificate.revoked", "certificate", cert.id, {"reason": "Issued in error."})]
    with app.app_context():
        first = db.session.get(Certificate, cert.id).revoked_at
    page = client.post(f"/certificates/{cert.id}/revoke", data={"reason": "Again."},
                       follow_redirects=True).get_data(as_text=True)
    assert "This certificate is already revoked." in page
    with app.app_context():
        row = db.session.get(Certificate, cert.id)
        assert row.revoked_at == first and row.revoke_reason == "Issued in error."
    assert len(_events(app, "certificate.revoked")) == 1
