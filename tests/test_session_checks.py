"""Session checks are remembered per worker for a few seconds, never longer."""

from __future__ import annotations

from sqlalchemy import update

from tests.conftest import login_client
from tests.factories import PASSWORD, UserFactory
from training_portal.accounts.models import User
from training_portal.accounts.session_checks import RecentChecks
from training_portal.accounts.sessions import SignedInUser
from training_portal.extensions import db


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _user(user_id: int = 1) -> SignedInUser:
    return SignedInUser(id=user_id, name="A", email="a@example.org", is_trainer=False,
                        is_admin=False, session_version=1)


def test_remembers_for_the_configured_seconds_only():
    clock = FakeClock()
    checks = RecentChecks(2, clock=clock)
    checks.remember("1:1", _user())
    clock.now += 1.9
    assert checks.get("1:1") == _user()
    clock.now += 0.1
    assert checks.get("1:1") is None


def test_forgetting_a_user_drops_all_their_sessions_and_zero_disables():
    checks = RecentChecks(2, clock=FakeClock())
    checks.remember("1:1", _user(1))
    checks.remember("2:1", _user(2))
    checks.forget_user(1)
    assert checks.get("1:1") is None and checks.get("2:1") == _user(2)
    off = RecentChecks(0, clock=FakeClock())
    off.remember("1:1", _user())
    assert off.get("1:1") is None


def test_a_change_made_elsewhere_takes_effect_within_the_window(app):
    """Another worker (here: a direct database write) ends the session; this worker notices
    when its remembered check runs out."""
    clock = FakeClock()
    app.extensions["session_checks"] = RecentChecks(2, clock=clock)
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    assert client.get("/account").status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(session_version=9))
        db.session.commit()
    assert client.get("/account").status_code == 200  # remembered for up to 2 seconds
    clock.now += 2
    assert client.get("/account").status_code == 302


def test_name_change_shows_at_once(app):
    with app.app_context():
        user = UserFactory(name="Old Name")
    client = login_client(app, user)
    client.get("/")
    client.post("/account/name", data={"profile-name": "New Name"})
    assert "New Name" in client.get("/").get_data(as_text=True)


def test_a_new_log_in_never_reuses_a_remembered_check_from_before_it(app):
    """Log-in reads the person afresh. Here the admin role is revoked by another worker (a
    direct database write, which cannot empty this worker's memory) while this worker still
    remembers the person as an admin; the clock never moves, so only log-in forgetting the
    remembered check can stop the new session from carrying the old role."""
    app.extensions["session_checks"] = RecentChecks(2, clock=FakeClock())
    with app.app_context():
        user = UserFactory(admin=True, email="ada@example.org")
    laptop = app.test_client()
    laptop.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert laptop.get("/partnership").status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(is_admin=False))
        db.session.commit()
    assert laptop.get("/partnership").status_code == 200  # remembered, as the window allows
    phone = app.test_client()
    assert phone.post("/login", data={"email": "ada@example.org",
                                      "password": PASSWORD}).status_code == 302
    assert phone.get("/partnership").status_code in (403, 404)
    assert ">Partnership<" not in phone.get("/").get_data(as_text=True)
    assert laptop.get("/partnership").status_code in (403, 404)  # same check, read afresh
