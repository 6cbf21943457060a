"""Co-managers with consent: nobody manages a venue (or is named on it) without accepting."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import login_client, outbox
from tests.factories import MembershipFactory, UserFactory, VenueFactory
from training_portal.audit import AuditEvent
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.venues import services
from training_portal.venues.models import ManagerInvitation, Membership, Venue


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


# --- the rules in the service, at their boundaries (docs/testing.md, "Mutation testing") --------

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _invitation(venue, email, created_at=NOON, expires_at=datetime(2026, 3, 8, 12, 0, tzinfo=UTC), **kw):
    invitation = ManagerInvitation(venue_id=venue.id, email=email, token_hash=secrets.token_hex(32),
                                   created_at=created_at, expires_at=expires_at, **kw)
    db.session.add(invitation)
    db.session.commit()
    return invitation


def _at(monkeypatch, moment):
    monkeypatch.setattr(services, "utcnow", lambda: moment)


def test_an_invitation_works_until_its_expiry_moment_and_not_at_it(app, monkeypatch):
    owner, venue = _owned_venue(app)
    with app.app_context():
        colleague = UserFactory(email="colleague@example.org")
        _at(monkeypatch, NOON)
        invitation = services.invite_co_manager(owner, db.session.get(Venue, venue.id), "colleague@example.org")
        db.session.commit()
        record = db.session.get(ManagerInvitation, invitation.record.id)
        assert record.expires_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 7 days
        _at(monkeypatch, datetime(2026, 3, 8, 11, 59, 59, tzinfo=UTC))
        assert services.invitation_problem(record, colleague) is None
        assert services.pending_invitations(record.venue) == [record]
        _at(monkeypatch, datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
        assert "This invitation has expired" in services.invitation_problem(record, colleague)
        assert services.pending_invitations(record.venue) == []
        with pytest.raises(services.VenueError, match="This invitation has expired"):
            services.accept_invitation(colleague, record)
        with pytest.raises(services.VenueError, match="This invitation has expired"):
            services.decline_invitation(colleague, record)
        assert record.accepted_at is None and record.closed_at is None


def test_the_service_itself_refuses_another_person_and_a_missing_link(app):
    owner, venue = _owned_venue(app)
    with app.app_context():
        intruder = UserFactory(email="intruder@example.org")
        invitation = services.invite_co_manager(owner, db.session.get(Venue, venue.id), "colleague@example.org")
        db.session.commit()
        record = invitation.record
        assert record.invited_by_id == owner.id
        assert "This invitation link is not valid" in services.invitation_problem(None, intruder)
        assert services.find_invitation("not-the-token") is None
        assert services.find_invitation(invitation.token) == record
        for answer in (services.accept_invitation, services.decline_invitation):
            with pytest.raises(services.VenueError, match="This invitation was sent to another email address"):
                answer(intruder, record)
        assert record.accepted_at is None and record.closed_at is None
        assert db.session.scalar(select(Membership).where(Membership.user_id == intruder.id)) is None
        record.closed_at = utcnow()
        assert "This invitation was declined or withdrawn" in services.invitation_problem(record, intruder)
        record.closed_at, record.accepted_at = None, utcnow()
        assert "This invitation has already been accepted" in services.invitation_problem(record, intruder)


@pytest.mark.parametrize("answered", ["accepted_at", "closed_at"])
def test_an_invitation_answered_in_another_request_meanwhile_is_not_accepted_again(app, answered):
    owner, venue = _owned_venue(app)
    with app.app_context():
        colleague = UserFactory(email="colleague@example.org")
        record = services.invite_co_manager(owner, db.session.get(Venue, venue.id),
                                            "colleague@example.org").record
        db.session.commit()
        # Another request answers it after this one loaded it (this object does not see that).
        db.session.execute(update(ManagerInvitation).where(ManagerInvitation.id == record.id)
                           .values({answered: utcnow()}).execution_options(synchronize_session=False))
        with pytest.raises(services.VenueError, match="This invitation has already been answered"):
            services.accept_invitation(colleague, record)
        assert db.session.scalar(select(Membership).where(Membership.user_id == colleague.id)) is None


def test_accepting_one_invitation_leaves_the_persons_other_invitations_waiting(app):
    owner, venue = _owned_venue(app)
    with app.app_context():
        colleague = UserFactory(email="colleague@example.org")
        other = VenueFactory(created_by=owner, name="The Other")
        first = services.invite_co_manager(owner, db.session.get(Venue, venue.id), "colleague@example.org")
        second = services.invite_co_manager(owner, other, "colleague@example.org")
        db.session.commit()
        services.accept_invitation(colleague, first.record)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(ManagerInvitation, second.record.id).accepted_at is None
        assert services.pending_invitations(other) == [db.session.get(ManagerInvitation, second.record.id)]


def test_declining_and_withdrawing_are_recorded_and_withdrawing_an_answered_invitation_does_nothing(app):
    owner, venue = _owned_venue(app)
    with app.app_context():
        colleague = UserFactory(email="colleague@example.org")
        declined = services.invite_co_manager(owner, db.session.get(Venue, venue.id), "colleague@example.org")
        withdrawn = services.invite_co_manager(owner, db.session.get(Venue, venue.id), "someone@example.org")
        accepted = services.invite_co_manager(owner, db.session.get(Venue, venue.id), "colleague@example.org")
        db.session.commit()
        ids = declined.record.id, withdrawn.record.id, accepted.record.id
        services.accept_invitation(colleague, accepted.record)
        db.session.commit()
    client = login_client(app, colleague)
    client.post(f"/invitations/{declined.token}", data={"decline": "1"})
    owner_client = login_client(app, owner)
    owner_client.post(f"/venues/{venue.id}/invitations/{ids[1]}/withdraw")
    owner_client.post(f"/venues/{venue.id}/invitations/{ids[2]}/withdraw")  # already accepted
    assert _events(app, "venue.manager_invitation_declined") == [
        (colleague.id, "venue.manager_invitation_declined", "venue", venue.id, {"invitation": ids[0]})]
    assert _events(app, "venue.manager_invitation_withdrawn") == [
        (owner.id, "venue.manager_invitation_withdrawn", "venue", venue.id, {"invitation": ids[1]})]
    with app.app_context():
        assert db.session.get(ManagerInvitation, ids[2]).closed_at is None
        membership = db.session.scalar(select(Membership).where(Membership.user_id == colleague.id))
        assert membership.is_manager


def test_the_venue_page_lists_only_this_venues_invitations_still_waiting_oldest_first(app, monkeypatch):
    owner, venue = _owned_venue(app)
    with app.app_context():
        other = VenueFactory()
        _invitation(venue, "zoe@example.org", created_at=datetime(2026, 3, 1, 12, 5, tzinfo=UTC))
        _invitation(venue, "adam@example.org", created_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
        _invitation(venue, "accepted@example.org", accepted_at=NOON)
        _invitation(venue, "declined@example.org", closed_at=NOON)
        _invitation(venue, "expired@example.org", expires_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        _invitation(other, "elsewhere@example.org")
    _at(monkeypatch, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    page = login_client(app, owner).get(f"/venues/{venue.id}").get_data(as_text=True)
    assert re.findall(r"Withdraw invitation to (\S+@example\.org)", page) == [
        "adam@example.org", "zoe@example.org"]


def _events(app, action: str) -> list[tuple]:
    with app.app_context():
        return [(e.actor_id, e.action, e.target_type, e.target_id, e.detail) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]
