"""Signed-cookie sessions that can still be ended: the cookie carries the user's session version."""

from __future__ import annotations

import secrets

from flask import session
from flask_login import login_user, logout_user

from training_portal.accounts.models import User
from training_portal.accounts.services import end_all_sessions, mark_logged_in
from training_portal.extensions import db, login_manager


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.is_disabled or user.session_version != int(version):
        return None
    return user


def start_session(user: User) -> None:
    """A fresh session at every log-in, so an identity planted before log-in is never reused."""
    session.clear()
    mark_logged_in(user)
    login_user(user)
    session["sid"] = secrets.token_urlsafe(16)


def end_session(user: User) -> None:
    """Log-out ends this person's other sessions too."""
    end_all_sessions(user)
    logout_user()
    session.clear()
