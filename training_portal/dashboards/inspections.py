"""Inspection links: a manager hands a licensing officer (or the police) a read-only link to
the venue's current register, for a few days, and can withdraw it at any moment.

Like sign-in links, only a SHA-256 hash of the token is stored, so a copy of the database
cannot be turned into working links; the full address is shown to the manager once.
Services add and flush; the view commits once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from training_portal import audit
from training_portal.accounts.models import User
from training_portal.accounts.services import token_hash
from training_portal.dashboards.models import InspectionLink, InspectionOpening
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.venues.models import Venue

MIN_DAYS, MAX_DAYS = 1, 90
#: Opening times listed for each link on the manager's page.
RECENT_OPENINGS = 3

ACTIVE = "active"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"
STATE_LABELS = {ACTIVE: _l("Active"), EXPIRED: _l("Expired"), WITHDRAWN: _l("Withdrawn")}


class InspectionError(ValueError):
    """A rule was broken; the message is safe to show to the manager."""


def state_of(link: InspectionLink, now: datetime) -> str:
    if link.withdrawn_at is not None:
        return WITHDRAWN
    return EXPIRED if link.expires_at <= now else ACTIVE


def create_link(actor: User, venue: Venue, label: str, days: int) -> tuple[InspectionLink, str]:
    """The new link and its raw token (the only time the token exists outside a hash)."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise InspectionError(_l("Choose between %(low)d and %(high)d days.",
                                 low=MIN_DAYS, high=MAX_DAYS))
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    link = InspectionLink(venue_id=venue.id, token_hash=token_hash(raw), label=label,
                          created_by_id=actor.id, created_at=now,
                          expires_at=now + timedelta(days=days))
    db.session.add(link)
    db.session.flush()
    audit.record(actor.id, "inspection_link.created", "venue", venue.id, link_id=link.id,
                 label=label, days=days)
    return link, raw


def find_by_token(raw: str) -> InspectionLink | None:
    """The link with this token, whatever its state (the caller says expired or withdrawn)."""
    if not raw or len(raw) > 100:
        return None
    return db.session.scalar(select(InspectionLink).where(
        InspectionLink.token_hash == token_hash(raw)))


def link_in_venue(venue: Venue, link_id: int) -> InspectionLink | None:
    return db.session.scalar(select(InspectionLink).where(
        InspectionLink.id == link_id, InspectionLink.venue_id == venue.id))


def record_opening(link: InspectionLink) -> None:
    """When only: no address, no device (the venue needs to know it was looked at, no more)."""
    db.session.add(InspectionOpening(link_id=link.id, opened_at=utcnow()))
    db.session.flush()


def withdraw(actor: User, link: InspectionLink) -> None:
    if link.withdrawn_at is not None:
        raise InspectionError(_l("This link was already withdrawn."))
    link.withdrawn_at = utcnow()
    audit.record(actor.id, "inspection_link.withdrawn", "venue", link.venue_id, link_id=link.id,
                 label=link.label)


@dataclass(frozen=True)
class LinkSummary:
    id: int
    label: str
    created_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None
    state: str
    openings: int
    recent_openings: tuple[datetime, ...]  # newest first, at most RECENT_OPENINGS

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def links_of(venue: Venue, now: datetime) -> list[LinkSummary]:
    """The venue's links, newest first, with counts: two queries however many links."""
    counts = (select(InspectionOpening.link_id, func.count().label("n"))
              .join(InspectionLink, InspectionLink.id == InspectionOpening.link_id)
              .where(InspectionLink.venue_id == venue.id)
              .group_by(InspectionOpening.link_id).subquery())
    links = db.session.execute(
        select(InspectionLink, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.link_id == InspectionLink.id)
        .where(InspectionLink.venue_id == venue.id)
        .order_by(InspectionLink.created_at.desc(), InspectionLink.id.desc())).all()
    recent = _recent_openings(venue.id)
    return [LinkSummary(link.id, link.label, link.created_at, link.expires_at, link.withdrawn_at,
                        state_of(link, now), int(n), tuple(recent.get(link.id, ())))
            for link, n in links]


def _recent_openings(venue_id: int) -> dict[int, list[datetime]]:
    ranked = (select(InspectionOpening.link_id, InspectionOpening.opened_at,
                     func.row_number().over(
                         partition_by=InspectionOpening.link_id,
                         order_by=(InspectionOpening.opened_at.desc(),
                                   InspectionOpening.id.desc())).label("rank"))
              .join(InspectionLink, InspectionLink.id == InspectionOpening.link_id)
              .where(InspectionLink.venue_id == venue_id).subquery())
    found: dict[int, list[datetime]] = {}
    rows = db.session.execute(select(ranked.c.link_id, ranked.c.opened_at)
                              .where(ranked.c.rank <= RECENT_OPENINGS)
                              .order_by(ranked.c.link_id, ranked.c.rank))
    for link_id, opened_at in rows:
        found.setdefault(link_id, []).append(opened_at)
    return found
