"""Signed-cookie sessions that can still be ended: the cookie carries the user's session version.

Requests check that version against the database, so a log-out, a password change or a
disabled account ends copied cookies. The check reads one row with a plain Core query into a
small frozen object (not an ORM instance). Lesson pages are read fast and often, and the budget
for them leaves no room for a query per page, so each worker remembers a passed check
(``accounts/session_checks.py``) and, at most once every ``SESSION_CHECK_SECONDS`` (default 2),
runs one query for the people whose rows changed since and drops their remembered checks. In
the worker that handled a log-out the session ends at once; in every other worker, on every app
server, within those seconds. A remembered check costs no query however many people are signed
in. Views that change the account load the ORM row with ``current_account()``.

The same statement counts the venues the person manages (correlated subqueries, not a second
query), so the menu and the home page know who is a manager without a query of their own.
Services that change anything this check reads call ``note_session_change`` (stamps the row
for other workers, forgets this worker's check) so it shows at once.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from flask import current_app, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from training_portal.accounts.models import User
from training_portal.accounts.services import end_all_sessions, mark_logged_in
from training_portal.accounts.session_checks import changes_since, forget_session_checks, recent_checks
from training_portal.extensions import db, login_manager
from training_portal.venues.models import ROLE_MANAGER, Membership

_USERS = User.__table__
_MEMBERSHIPS = Membership.__table__
_MANAGES = (_MEMBERSHIPS.c.user_id == _USERS.c.id, _MEMBERSHIPS.c.role == ROLE_MANAGER,
            _MEMBERSHIPS.c.left_at.is_(None))
_LOAD_SIGNED_IN = select(
    _USERS.c.id, _USERS.c.name, _USERS.c.email, _USERS.c.is_trainer, _USERS.c.is_admin,
    _USERS.c.is_disabled, _USERS.c.session_version, _USERS.c.session_stamp,
    select(func.count()).where(*_MANAGES).scalar_subquery().label("managed_venues"),
    select(func.min(_MEMBERSHIPS.c.venue_id)).where(*_MANAGES).scalar_subquery()
    .label("first_managed_venue_id"),
)


@dataclass(frozen=True)
class SignedInUser:
    """Who is signed in, as read at the start of this request."""

    id: int
    name: str
    email: str
    is_trainer: bool
    is_admin: bool
    session_version: int
    #: How many venues this person manages now (as a manager, not as a partnership admin).
    managed_venues: int = 0
    #: The venue they manage when it is exactly one (the menu links straight to it).
    sole_managed_venue_id: int | None = None
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


@login_manager.user_loader
def load_user(session_id: str) -> SignedInUser | None:
    checks = recent_checks()
    if checks.poll_due():
        checks.poll(changes_since)
    cached = checks.get(session_id)
    if cached is not None:
        return cached
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    row = db.session.connection().execute(
        _LOAD_SIGNED_IN.where(_USERS.c.id == int(user_id))).first()
    if row is None or row.is_disabled or row.session_version != int(version):
        return None
    user = SignedInUser(id=row.id, name=row.name, email=row.email, is_trainer=row.is_trainer,
                        is_admin=row.is_admin, session_version=row.session_version,
                        managed_venues=row.managed_venues or 0,
                        sole_managed_venue_id=(row.first_managed_venue_id
                                               if row.managed_venues == 1 else None))
    checks.remember(session_id, user, row.session_stamp)
    return user


def current_account() -> User:
    """The signed-in person's ORM row, for views that change the account."""
    user = db.session.get(User, current_user.id)
    if user is None:  # deleted between the check and now
        raise LookupError("the signed-in account no longer exists")
    return user


def start_session(user: User) -> None:
    """A fresh session at every log-in, so an identity planted before log-in is never reused."""
    session.clear()
    forget_session_checks(user.id)
    mark_logged_in(user)
    login_user(user)
    session["sid"] = secrets.token_urlsafe(16)
    session[LOGIN_AT] = session[SEEN_AT] = int(time.time())


#: In the signed session cookie (never the database): when this session began, and when it was
#: last used (to the minute, so the cookie is not rewritten on every request).
LOGIN_AT, SEEN_AT = "login_at", "seen_at"
SEEN_RESOLUTION = 60


def enforce_session_limits() -> None:
    """Before each request: a session ends SESSION_MAX_AGE_DAYS after log-in whoever holds it,
    and after MANAGER_IDLE_MINUTES unused when the person manages a venue or is a partnership
    admin. The times live in the signed cookie: no database write, and the role is read only
    when a session has been idle that long."""
    if "_user_id" not in session:
        return
    config, now = current_app.config, int(time.time())
    login_at = session.get(LOGIN_AT)
    if not isinstance(login_at, int):  # a session from before these limits: counts from now
        session[LOGIN_AT] = session[SEEN_AT] = login_at = now
    seen_at = session.get(SEEN_AT, now)
    if now - login_at > config["SESSION_MAX_AGE_DAYS"] * 86400:
        _end_this_session()
        return
    idle = config["MANAGER_IDLE_MINUTES"] * 60
    if idle and now - seen_at > idle and _idle_limited():
        _end_this_session()
        return
    if now - seen_at >= SEEN_RESOLUTION:
        session[SEEN_AT] = now


def _idle_limited() -> bool:
    return bool(current_user.is_authenticated
                and (current_user.is_admin or getattr(current_user, "managed_venues", 0)))


def _end_this_session() -> None:
    """This cookie only (other devices keep theirs); the person logs in again."""
    logout_user()
    session.clear()


def end_session(user: User) -> None:
    """Log-out ends this person's other sessions too."""
    end_all_sessions(user)
    logout_user()
    session.clear()
