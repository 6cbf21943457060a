"""Co-managers with consent: nobody manages a venue (or is named on it) without accepting."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import login_client, outbox
from tests.factories import MembershipFactory, UserFactory, VenueFactory
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.venues.models import ManagerInvitation, Membership


def _owned_venue(app):
    with app.app_context():
        owner = UserFactory(name="Olive Owner")
        venue = VenueFactory(created_by=owner, name="The Lamb")
        MembershipFactory(user=owner, venue=venue, manager=True)
        return owner, venue


def _invite(app, owner, venue, email):
    response = login_client(app, owner).post(f"/venues/{venue.id}/managers",
                                             data={"email": email})
    assert response.status_code == 302
    return response


def _link_in_last_mail(app) -> str:
    body = outbox(app)[-1].get_content()
    return re.search(r"https://training\.example\.org(/invitations/\S+)", body).group(1)


def test_invited_person_is_not_a_manager_until_they_accept(app):
    owner, venue = _owned_venue(app)
    with app.app_context():
        colleague = UserFactory(email="colleague@example.org", name="Colin")
    _invite(app, owner, venue, "Colleague@Example.org")
    colleague_client = login_client(app, colleague)
    assert colleague_client.get(f"/venues/{venue.id}").status_code == 404
    assert "Colin" not in login_client(app, owner).get(f"/venues/{venue.id}").get_data(as_text=True)
    path = _link_in_last_mail(app)
    page = colleague_client.get(path)
    assert page.status_code == 200 and "The Lamb" in page.get_data(as_text=True)
    assert colleague_client.get(f"/venues/{venue.id}").status_code == 404  # a GET changes nothing
    assert colleague_client.post(path, data={"accept": "1"}).status_code == 302
    assert colleague_client.get(f"/venues/{venue.id}").status_code == 200
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == colleague.id))
        assert membership.is_manager
    # The link works once.
    assert "already been accepted" in colleague_client.get(path).get_data(as_text=True)


def test_declining_changes_nothing(app):
    owner, venue = _owned_venue(app)
    with app.app_context():
        colleague = UserFactory(email="colleague@example.org")
    _invite(app, owner, venue, "colleague@example.org")
    path = _link_in_last_mail(app)
    client = login_client(app, colleague)
    client.post(path, data={"decline": "1"})
    assert client.get(f"/venues/{venue.id}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Membership).where(Membership.user_id == colleague.id)) is None
    client.post(path, data={"accept": "1"})
    assert client.get(f"/venues/{venue.id}").status_code == 404


def test_unknown_and_known_addresses_get_the_same_answer(app):
    owner, venue = _owned_venue(app)
    with app.app_context():
        UserFactory(email="known@example.org")
    known = _invite(app, owner, venue, "known@example.org")
    unknown = _invite(app, owner, venue, "nobody@example.org")
    assert known.headers["Location"] == unknown.headers["Location"]
    client = login_client(app, owner)
    first = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "known@example.org" in first and "nobody@example.org" in first
    assert [m["To"] for m in outbox(app)] == ["known@example.org", "nobody@example.org"]


def test_someone_else_cannot_use_the_link(app):
    owner, venue = _owned_venue(app)
    with app.app_context():
        intruder = UserFactory(email="intruder@example.org")
    _invite(app, owner, venue, "colleague@example.org")
    path = _link_in_last_mail(app)
    client = login_client(app, intruder)
    assert "another email address" in client.get(path).get_data(as_text=True)
    client.post(path, data={"accept": "1"})
    assert client.get(f"/venues/{venue.id}").status_code == 404


def test_expired_and_withdrawn_invitations_stop_working(app):
    owner, venue = _owned_venue(app)
    with app.app_context():
        colleague = UserFactory(email="colleague@example.org")
    _invite(app, owner, venue, "colleague@example.org")
    path = _link_in_last_mail(app)
    with app.app_context():
        invitation = db.session.scalar(select(ManagerInvitation))
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    client = login_client(app, colleague)
    assert "expired" in client.get(path).get_data(as_text=True)
    _invite(app, owner, venue, "colleague@example.org")
    second = _link_in_last_mail(app)
    with app.app_context():
        newest = db.session.scalars(select(ManagerInvitation).order_by(ManagerInvitation.id)).all()[-1]
    login_client(app, owner).post(f"/venues/{venue.id}/invitations/{newest.id}/withdraw")
    assert "withdrawn" in client.get(second).get_data(as_text=True)
    client.post(second, data={"accept": "1"})
    assert client.get(f"/venues/{venue.id}").status_code == 404


def test_only_the_owner_invites_and_withdraws_and_only_for_their_venue(app):
    owner, venue = _owned_venue(app)
    with app.app_context():
        other_owner = UserFactory()
        other = VenueFactory(created_by=other_owner)
        MembershipFactory(user=other_owner, venue=other, manager=True)
        staff = MembershipFactory(venue=venue).user
    _invite(app, other_owner, other, "someone@example.org")
    with app.app_context():
        foreign = db.session.scalar(select(ManagerInvitation))
    client = login_client(app, owner)
    assert client.post(f"/venues/{venue.id}/invitations/{foreign.id}/withdraw").status_code == 404
    assert client.post(f"/venues/{other.id}/managers", data={"email": "x@example.org"}).status_code == 404
    assert login_client(app, staff).post(f"/venues/{venue.id}/managers",
                                         data={"email": "x@example.org"}).status_code == 404
    with app.app_context():
        assert db.session.get(ManagerInvitation, foreign.id).closed_at is None


def test_a_co_manager_cannot_change_managers_but_the_owner_can(app):
    owner, venue = _owned_venue(app)
    with app.app_context():
        colleague = UserFactory(email="colleague@example.org")
    _invite(app, owner, venue, "colleague@example.org")
    co_client = login_client(app, colleague)
    co_client.post(_link_in_last_mail(app), data={"accept": "1"})
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == colleague.id))
    assert co_client.post(f"/venues/{venue.id}/managers/{membership.id}/remove").status_code == 403
    login_client(app, owner).post(f"/venues/{venue.id}/managers/{membership.id}/remove")
    assert co_client.get(f"/venues/{venue.id}").status_code == 404


def test_invitation_link_needs_a_login(client):
    response = client.get("/invitations/anything")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
