"""A venue's training policy as plain values, and the rules it adds to the status rule.

Licence conditions differ: one venue renews training every 6 months, another requires only
some modules, a third wants new starters trained within 14 days. A policy never loosens the
module's own rule: a refresher longer than the module's period simply has no effect (and the
form refuses it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from training_portal.extensions import db
from training_portal.learning.status import Refresher
from training_portal.modules.content import Module
from training_portal.venues.models import ROLE_MANAGER, Membership, Venue


@dataclass(frozen=True)
class VenuePolicy:
    venue_id: int
    venue_name: str
    refresher_months: int | None = None  # None: each module's own period
    required_slugs: frozenset[str] | None = None  # None: every published module
    starter_deadline_days: int | None = None  # None: no deadline

    def requires(self, slug: str) -> bool:
        return self.required_slugs is None or slug in self.required_slugs

    def required(self, modules: Iterable[Module]) -> tuple[Module, ...]:
        """The published modules staff here must hold, in catalog order."""
        return tuple(m for m in modules if m.is_published and self.requires(m.slug))

    def refreshers_for(self, slug: str) -> tuple[Refresher, ...]:
        if self.refresher_months is None or not self.requires(slug):
            return ()
        return (Refresher(self.refresher_months, self.venue_name),)


def policy_of(venue: Venue) -> VenuePolicy:
    required = venue.required_modules
    return VenuePolicy(
        venue_id=venue.id, venue_name=venue.name, refresher_months=venue.refresher_months,
        required_slugs=None if required is None else frozenset(required),
        starter_deadline_days=venue.starter_deadline_days)


@dataclass(frozen=True)
class MemberVenue:
    """A venue this person works at now, as My training lists it."""

    venue_id: int
    venue_name: str
    is_manager: bool
    policy: VenuePolicy


_VENUES = Venue.__table__
_MEMBERSHIPS = Membership.__table__
_MEMBER_VENUES = (
    select(_VENUES.c.id, _VENUES.c.name, _VENUES.c.refresher_months, _VENUES.c.required_modules,
           _VENUES.c.starter_deadline_days, _MEMBERSHIPS.c.role)
    .join(_MEMBERSHIPS, _MEMBERSHIPS.c.venue_id == _VENUES.c.id)
    .where(_MEMBERSHIPS.c.user_id == bindparam("user_id"), _MEMBERSHIPS.c.left_at.is_(None))
    .order_by(_VENUES.c.name, _VENUES.c.id))


def venues_of_member(user_id: int) -> list[MemberVenue]:
    """Every venue this person currently works at, with its policy: one prebuilt Core statement
    (no ORM objects). My training reads the same facts with its own (learning/progress.py)."""
    rows = db.session.connection().execute(_MEMBER_VENUES, {"user_id": user_id})
    return [member_venue(row.id, row.name, row.role, row.refresher_months, row.required_modules,
                         row.starter_deadline_days) for row in rows]


def member_venue(venue_id: int, name: str, role: str, refresher_months: int | None,
                 required_modules: Iterable[str] | None, deadline_days: int | None) -> MemberVenue:
    """A current membership's venue and policy, from its columns."""
    return MemberVenue(venue_id, name, role == ROLE_MANAGER, VenuePolicy(
        venue_id=venue_id, venue_name=name, refresher_months=refresher_months,
        required_slugs=None if required_modules is None else frozenset(required_modules),
        starter_deadline_days=deadline_days))


def policies_of_member(user_id: int) -> list[VenuePolicy]:
    """The policies of every venue this person currently works at (one query)."""
    return [venue.policy for venue in venues_of_member(user_id)]


def refreshers_by_module(policies: Sequence[VenuePolicy], modules: Iterable[Module],
                         ) -> dict[str, tuple[Refresher, ...]]:
    """For My training: every venue rule that applies to each module (the strictest wins)."""
    return {m.slug: tuple(r for p in policies for r in p.refreshers_for(m.slug)) for m in modules}
