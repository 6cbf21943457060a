"""The one place that decides access.

Views declare a route-level rule with ``@access(...)`` (a test walks every route and fails
when one is missing), then load the object and ask a ``can_*`` function about it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from training_portal.extensions import db, login_manager

if TYPE_CHECKING:
    from training_portal.accounts.models import User
    from training_portal.venues.models import Membership, Venue

F = TypeVar("F", bound=Callable[..., Any])


class Rule(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    #: Signed in, and the view checks the object with a ``can_*`` function.
    OBJECT = "object"
    TRAINER = "trainer"
    ADMIN = "admin"


def _role_allows(rule: Rule, user: Any) -> bool:
    if rule is Rule.TRAINER:
        return bool(user.is_trainer or user.is_admin)
    if rule is Rule.ADMIN:
        return bool(user.is_admin)
    return True


def access(rule: Rule) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if rule is not Rule.PUBLIC:
                user = current_user._get_current_object()  # one proxy lookup, not one per question
                if not user.is_authenticated:
                    return login_manager.unauthorized()
                if not _role_allows(rule, user):
                    abort(403)
            return view(*args, **kwargs)

        wrapper.access_rule = rule  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def require(allowed: bool, status: int = 403) -> None:
    if not allowed:
        abort(status)


def active_membership(user: "User", venue: "Venue") -> "Membership | None":
    from training_portal.venues.models import Membership

    return db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.venue_id == venue.id,
            Membership.left_at.is_(None),
        )
    )


def can_manage_venue(user: Any, venue: "Venue") -> bool:
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    membership = active_membership(user, venue)
    return membership is not None and membership.is_manager


def can_view_person(user: Any, venue: "Venue", membership: "Membership") -> bool:
    """A venue's managers see the training record of anyone who works or worked there, and
    only through that venue: a membership of another venue is not theirs to see."""
    return membership.venue_id == venue.id and can_manage_venue(user, venue)


def can_set_training_policy(user: Any, venue: "Venue") -> bool:
    return can_manage_venue(user, venue)


def can_change_managers(user: Any, venue: "Venue") -> bool:
    """Only the venue's creator (its owner) or a partnership admin adds or removes co-managers."""
    if not user.is_authenticated:
        return False
    return bool(user.is_admin) or (
        venue.created_by_id == user.id and can_manage_venue(user, venue)
    )


def can_create_venue(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_preview_content(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_trainer or user.is_admin))


def can_revoke_certificates(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_admin)


def can_view_certificate(user: Any, certificate: Any) -> bool:
    """The holder downloads their own certificate; partnership admins may see any."""
    if not user.is_authenticated:
        return False
    return bool(user.is_admin) or certificate.completion.user_id == user.id
