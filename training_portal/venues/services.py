"""Venue rules: creating venues, join codes, joining, leavers and co-managers (by invitation)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from training_portal import audit
from training_portal.accounts.models import User
from training_portal.accounts.services import normalise_email, token_hash
from training_portal.accounts.session_checks import note_session_change
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.policy import active_membership
from training_portal.venues.models import ROLE_MANAGER, ROLE_STAFF, ManagerInvitation, Membership, Venue
from training_portal.venues.policy_rules import TrainingPolicy

#: No 0/O, 1/I/L: people read these codes off a poster in a dim bar.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


class VenueError(ValueError):
    """A rule was broken; the message is safe to show."""


def new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(select(Venue.id).where(Venue.join_code == code)) is None:
            return code


def normalise_join_code(raw: str) -> str | None:
    code = raw.strip().upper().replace("-", "").replace(" ", "")
    if len(code) != JOIN_CODE_LENGTH or any(ch not in JOIN_CODE_ALPHABET for ch in code):
        return None
    return code


def find_venue_by_code(raw: str) -> Venue | None:
    code = normalise_join_code(raw)
    if code is None:
        return None
    return db.session.scalar(select(Venue).where(Venue.join_code == code))


def create_venue(creator: User, name: str, address: str, postcode: str,
                 licence_number: str | None) -> Venue:
    venue = Venue(name=name, address=address, postcode=postcode.upper(),
                  licence_number=licence_number or None, join_code=new_join_code(),
                  created_by_id=creator.id)
    db.session.add(venue)
    db.session.flush()
    db.session.add(Membership(user_id=creator.id, venue_id=venue.id, role=ROLE_MANAGER))
    audit.record(creator.id, "venue.created", "venue", venue.id)
    db.session.flush()
    note_session_change(creator.id)  # the menu now shows their venue
    return venue


def update_venue(actor: User, venue: Venue, name: str, address: str, postcode: str,
                 licence_number: str | None) -> None:
    venue.name, venue.address = name, address
    venue.postcode, venue.licence_number = postcode.upper(), licence_number or None
    audit.record(actor.id, "venue.updated", "venue", venue.id)


def set_area(actor: User, venue: Venue, area: str | None) -> None:
    """The partnership files a venue under a town or district (None: no area); figures filter by it."""
    old, venue.area = venue.area, area or None
    audit.record(actor.id, "venue.area_set", "venue", venue.id, old=old, new=venue.area)


def rotate_join_code(actor: User, venue: Venue) -> str:
    venue.join_code = new_join_code()
    audit.record(actor.id, "venue.join_code_rotated", "venue", venue.id)
    return venue.join_code


def join_venue(user: User, venue: Venue) -> tuple[Membership, bool]:
    """Returns the membership and whether it is new; joining twice is harmless."""
    existing = active_membership(user, venue)
    if existing is not None:
        return existing, False
    membership = Membership(user_id=user.id, venue_id=venue.id, role=ROLE_STAFF)
    db.session.add(membership)
    db.session.flush()
    audit.record(user.id, "venue.joined", "venue", venue.id)
    return membership, True


def active_members(venue: Venue) -> list[Membership]:
    """Current members by name, each with its user loaded in the same statement."""
    return list(db.session.scalars(
        select(Membership).join(Membership.user).options(contains_eager(Membership.user))
        .where(Membership.venue_id == venue.id, Membership.left_at.is_(None))
        .order_by(User.name)))


def former_members(venue: Venue) -> list[Membership]:
    """Leavers, most recent first, each with its user loaded in the same statement."""
    return list(db.session.scalars(
        select(Membership).join(Membership.user).options(contains_eager(Membership.user))
        .where(Membership.venue_id == venue.id, Membership.left_at.is_not(None))
        .order_by(Membership.left_at.desc())))


def venues_managed_by(user: User) -> list[Venue]:
    query = select(Venue).order_by(Venue.name)
    if not user.is_admin:
        query = query.join(Membership).where(
            Membership.user_id == user.id, Membership.role == ROLE_MANAGER,
            Membership.left_at.is_(None))
    return list(db.session.scalars(query))


def memberships_of(user: User) -> list[Membership]:
    return list(db.session.scalars(
        select(Membership).join(Venue)
        .where(Membership.user_id == user.id, Membership.left_at.is_(None))
        .order_by(Venue.name)))


def membership_in_venue(venue: Venue, membership_id: int) -> Membership | None:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.venue_id != venue.id:
        return None
    return membership


def mark_leaver(actor: User, membership: Membership) -> None:
    """The membership ends; the person's account and training records stay."""
    if membership.left_at is not None:
        return
    if membership.user_id == membership.venue.created_by_id:
        raise VenueError(_l("The venue's owner cannot be marked as having left."))
    membership.left_at = utcnow()
    audit.record(actor.id, "venue.member_left", "membership", membership.id)
    note_session_change(membership.user_id)


INVITATION_DAYS = 7


class Invitation(NamedTuple):
    """A new invitation and its raw token (only the token's hash is stored; mail the link once)."""

    record: ManagerInvitation
    token: str


def invite_co_manager(actor: User, venue: Venue, email: str) -> Invitation:
    """Always creates an invitation, whether or not an account uses the address, so the answer
    on screen never tells the inviter who has an account. Nobody becomes a manager until they
    accept."""
    raw = secrets.token_urlsafe(32)
    invitation = ManagerInvitation(
        venue_id=venue.id, email=normalise_email(email), token_hash=token_hash(raw),
        invited_by_id=actor.id, expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor.id, "venue.manager_invited", "venue", venue.id, invitation=invitation.id)
    return Invitation(invitation, raw)


def find_invitation(raw: str) -> ManagerInvitation | None:
    return db.session.scalar(select(ManagerInvitation).where(
        ManagerInvitation.token_hash == token_hash(raw)))


def invitation_problem(invitation: ManagerInvitation | None, user: User) -> str | None:
    """Why this person cannot answer this invitation now, or None when they can."""
    if invitation is None:
        return str(_l("This invitation link is not valid. Ask the venue's owner to invite you again."))
    if invitation.accepted_at is not None:
        return str(_l("This invitation has already been accepted."))
    if invitation.closed_at is not None:
        return str(_l("This invitation was declined or withdrawn."))
    if invitation.expires_at <= utcnow():
        return str(_l("This invitation has expired. Ask the venue's owner to invite you again."))
    if normalise_email(invitation.email) != normalise_email(user.email):
        return str(_l("This invitation was sent to another email address. Log in with the "
                      "account that uses that address."))
    return None


def accept_invitation(user: User, invitation: ManagerInvitation) -> Membership:
    problem = invitation_problem(invitation, user)
    if problem is not None:
        raise VenueError(problem)
    claimed = db.session.execute(
        update(ManagerInvitation)
        .where(ManagerInvitation.id == invitation.id, ManagerInvitation.accepted_at.is_(None),
               ManagerInvitation.closed_at.is_(None))
        .values(accepted_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise VenueError(str(_l("This invitation has already been answered.")))
    membership, _new = join_venue(user, invitation.venue)
    membership.role = ROLE_MANAGER
    audit.record(user.id, "venue.manager_added", "membership", membership.id,
                 invitation=invitation.id)
    note_session_change(user.id)
    return membership


def decline_invitation(user: User, invitation: ManagerInvitation) -> None:
    problem = invitation_problem(invitation, user)
    if problem is not None:
        raise VenueError(problem)
    invitation.closed_at = utcnow()
    audit.record(user.id, "venue.manager_invitation_declined", "venue", invitation.venue_id,
                 invitation=invitation.id)


def withdraw_invitation(actor: User, invitation: ManagerInvitation) -> None:
    if invitation.accepted_at is None and invitation.closed_at is None:
        invitation.closed_at = utcnow()
        audit.record(actor.id, "venue.manager_invitation_withdrawn", "venue", invitation.venue_id,
                     invitation=invitation.id)


def pending_invitations(venue: Venue) -> list[ManagerInvitation]:
    return list(db.session.scalars(
        select(ManagerInvitation).where(
            ManagerInvitation.venue_id == venue.id, ManagerInvitation.accepted_at.is_(None),
            ManagerInvitation.closed_at.is_(None), ManagerInvitation.expires_at > utcnow())
        .order_by(ManagerInvitation.created_at)))


def invitation_in_venue(venue: Venue, invitation_id: int) -> ManagerInvitation | None:
    invitation = db.session.get(ManagerInvitation, invitation_id)
    return invitation if invitation is not None and invitation.venue_id == venue.id else None


def remove_co_manager(actor: User, membership: Membership) -> None:
    if membership.user_id == membership.venue.created_by_id:
        raise VenueError(_l("The venue's owner cannot be removed as a manager."))
    membership.role = ROLE_STAFF
    audit.record(actor.id, "venue.manager_removed", "membership", membership.id)
    note_session_change(membership.user_id)


def set_training_policy(actor: User, venue: Venue, policy: TrainingPolicy) -> None:
    """Store a policy already checked by ``policy_rules.check_policy``; audited before/after."""
    before = policy_values(venue)
    venue.refresher_months = policy.refresher_months
    venue.required_modules = None if policy.required is None else list(policy.required)
    venue.starter_deadline_days = policy.starter_deadline_days
    after = policy_values(venue)
    if before != after:
        audit.record(actor.id, "venue.policy_changed", "venue", venue.id, before=before,
                     after=after)


def policy_values(venue: Venue) -> dict[str, object]:
    return {"refresher_months": venue.refresher_months,
            "required_modules": venue.required_modules,
            "starter_deadline_days": venue.starter_deadline_days}
