"""Session checks are remembered per worker and dropped by a poll for changes made anywhere.

A worker remembers a passed check (bounded in number, at most ``REMEMBER_SECONDS``) and, at most
once every SESSION_CHECK_SECONDS, runs one query for the people changed since its last poll.
Two ``create_app()`` on one database stand for two workers (or two app servers); each has its
own pinned clock, so "before its next poll" and "at its next poll" are exact.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.conftest import login_client
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.statement_count import counting_statements, statements_for
from training_portal.accounts import services
from training_portal.accounts.models import User
from training_portal.accounts.session_checks import (
    POLL_OVERLAP_MICROSECONDS,
    RecentChecks,
    changes_since,
    note_session_change,
)
from training_portal.accounts.sessions import SignedInUser, load_user
from training_portal.extensions import db
from training_portal.venues import services as venue_services
from training_portal.venues.models import Membership


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _user(user_id: int = 1, version: int = 1) -> SignedInUser:
    return SignedInUser(id=user_id, name="A", email="a@example.org", is_trainer=False,
                        is_admin=False, session_version=version)


class FakeChanges:
    """Stands in for ``changes_since``: returns the given changes and records the marks asked."""

    def __init__(self, new_mark: int, changed: list[tuple[int, int]]) -> None:
        self.new_mark, self.changed, self.asked = new_mark, changed, []  # type: ignore[var-annotated]

    def __call__(self, mark: int | None) -> tuple[int, list[tuple[int, int]]]:
        self.asked.append(mark)
        return self.new_mark, self.changed


# --- the memory on its own -------------------------------------------------------------------

def test_remembers_until_the_safety_limit_however_often_it_polls():
    clock = FakeClock()
    checks = RecentChecks(2, clock=clock, keep_seconds=600)
    checks.remember("1:1", _user(), stamp=5)
    clock.now += 599.9
    assert checks.get("1:1") == _user()
    clock.now += 0.1
    assert checks.get("1:1") is None


def test_forgetting_a_user_drops_their_session_and_zero_remembers_nothing_and_never_polls():
    checks = RecentChecks(2, clock=FakeClock())
    checks.remember("1:1", _user(1), stamp=0)
    checks.remember("2:1", _user(2), stamp=0)
    checks.forget_user(1)
    assert checks.get("1:1") is None and checks.get("2:1") == _user(2)
    off = RecentChecks(0, clock=FakeClock())
    off.remember("1:1", _user(), stamp=0)
    assert off.get("1:1") is None and len(off) == 0
    assert not off.poll_due()


def test_a_newer_session_version_replaces_the_older_one():
    checks = RecentChecks(2, clock=FakeClock())
    checks.remember("1:1", _user(1, 1), stamp=0)
    checks.remember("1:2", _user(1, 2), stamp=7)
    assert checks.get("1:1") is None and checks.get("1:2") == _user(1, 2) and len(checks) == 1


def test_the_memory_is_bounded_and_drops_the_oldest_first():
    checks = RecentChecks(2, clock=FakeClock(), at_most=3)
    for user_id in range(1, 6):
        checks.remember(f"{user_id}:1", _user(user_id), stamp=0)
    assert len(checks) == 3
    assert [checks.get(f"{n}:1") is not None for n in range(1, 6)] == [False, False, True, True, True]
    checks.forget_user(1)  # an evicted person forgets cleanly
    checks.forget_user(5)
    assert len(checks) == 2


def test_polls_at_once_then_at_most_once_every_configured_seconds():
    clock = FakeClock()
    checks = RecentChecks(2, clock=clock)
    assert checks.poll_due()
    changes = FakeChanges(new_mark=50, changed=[])
    checks.poll(changes)
    clock.now += 1.9
    assert not checks.poll_due()
    clock.now += 0.1
    assert checks.poll_due()
    checks.poll(changes)
    assert changes.asked == [None, 50]  # the first poll has no mark; the next asks from it


def test_a_poll_drops_checks_read_before_a_change_and_keeps_those_read_after_it():
    checks = RecentChecks(2, clock=FakeClock())
    checks.remember("1:1", _user(1), stamp=10)  # read before person 1 changed (now 20)
    checks.remember("2:1", _user(2), stamp=30)  # read after person 2's change (30)
    checks.remember("3:1", _user(3), stamp=0)  # person 3 unchanged
    checks.poll(FakeChanges(new_mark=30, changed=[(1, 20), (2, 30), (9, 25)]))
    assert checks.get("1:1") is None
    assert checks.get("2:1") == _user(2) and checks.get("3:1") == _user(3)


# --- the stamp and the poll's query ----------------------------------------------------------

def test_a_stamp_is_the_database_clock_in_microseconds_and_always_moves_forward(app):
    with app.app_context():
        user, ahead = UserFactory(), UserFactory()
        before = int(time.time() * 1_000_000)
        note_session_change(user.id)
        stamp = db.session.scalar(select(User.session_stamp).where(User.id == user.id))
        assert abs(stamp - before) < 60_000_000  # microseconds, near now (same machine here)
        future = before + 3_600_000_000  # as if the database clock had been set back an hour
        db.session.execute(update(User).where(User.id == ahead.id).values(session_stamp=future))
        note_session_change(ahead.id)
        note_session_change(ahead.id)
        assert db.session.scalar(
            select(User.session_stamp).where(User.id == ahead.id)) == future + 2
        db.session.commit()


def test_the_poll_sees_changes_since_its_mark_with_an_overlap_and_nothing_older(app):
    with app.app_context():
        old, recent, unchanged = UserFactory(), UserFactory(), UserFactory()
        assert changes_since(None) == (0, []) and changes_since(0) == (0, [])  # nobody changed
        mark = 10 * POLL_OVERLAP_MICROSECONDS
        db.session.execute(update(User).where(User.id == old.id)
                           .values(session_stamp=mark - POLL_OVERLAP_MICROSECONDS))
        db.session.execute(update(User).where(User.id == recent.id)
                           .values(session_stamp=mark - POLL_OVERLAP_MICROSECONDS + 1))
        db.session.commit()
        first_mark, nothing = changes_since(None)
        assert (first_mark, nothing) == (mark - POLL_OVERLAP_MICROSECONDS + 1, [])
        assert changes_since(mark) == (mark, [(recent.id, mark - POLL_OVERLAP_MICROSECONDS + 1)])
        note_session_change(unchanged.id)
        db.session.commit()
        stamp = db.session.scalar(select(User.session_stamp).where(User.id == unchanged.id))
        new_mark, changed = changes_since(mark)
        assert new_mark == stamp and (unchanged.id, stamp) in changed and len(changed) == 2


# --- two workers on one database -------------------------------------------------------------

def _two_workers(make_app: Any) -> tuple[Any, Any, FakeClock]:
    """Worker A (makes changes) and worker B (remembers checks, on a pinned clock)."""
    worker_a, worker_b = make_app(), make_app()
    clock = FakeClock()
    worker_a.extensions["session_checks"] = RecentChecks(2, clock=FakeClock())
    worker_b.extensions["session_checks"] = RecentChecks(2, clock=clock)
    return worker_a, worker_b, clock


def _log_out_everywhere(worker_a: Any, user: User) -> None:
    assert login_client(worker_a, user).post("/logout").status_code == 302


def _change_password(worker_a: Any, user: User) -> None:
    response = login_client(worker_a, user).post("/account/password", data={
        "password-current_password": PASSWORD, "password-password": "a-brand-new-password",
        "password-confirm": "a-brand-new-password"})
    assert response.status_code == 302


def _disable(worker_a: Any, user: User) -> None:
    with worker_a.app_context():
        services.set_disabled(db.session.get(User, user.id), True)
        db.session.commit()


@pytest.mark.parametrize("end_sessions", [_log_out_everywhere, _change_password, _disable])
def test_sessions_ended_in_one_worker_end_in_another_at_its_next_poll_not_before(
        make_app, end_sessions):
    worker_a, worker_b, clock = _two_workers(make_app)
    with worker_a.app_context():
        user = UserFactory()
    phone = login_client(worker_b, user)
    assert phone.get("/account").status_code == 200  # checked and remembered in B
    end_sessions(worker_a, user)
    clock.now += 1.9
    assert phone.get("/account").status_code == 200  # B has not polled since: remembered
    clock.now += 0.1
    assert phone.get("/account").status_code == 302  # B's next poll dropped it
    clock.now += 2
    assert phone.get("/account").status_code == 302


def _revoke_admin(account: User) -> None:
    services.set_role(account, "admin", False)


def _rename(account: User) -> None:
    services.change_name(account, "New Name")


def _remove_as_manager(account: User) -> None:
    membership = db.session.scalar(select(Membership).where(Membership.user_id == account.id))
    venue_services.remove_co_manager(account, membership)


def _leave(account: User) -> None:
    membership = db.session.scalar(select(Membership).where(Membership.user_id == account.id))
    venue_services.mark_leaver(account, membership)


@pytest.mark.parametrize(("change", "url", "before", "after"), [
    (_revoke_admin, "/account", ">Partnership<", None),
    (_rename, "/account", "Old Name", "New Name"),
    (_remove_as_manager, "/account", ">Venue<", None),
    (_leave, "/account", ">Venue<", None),
])
def test_role_name_and_venue_changes_in_one_worker_show_in_another_at_its_next_poll(
        make_app, change, url, before, after):
    worker_a, worker_b, clock = _two_workers(make_app)
    with worker_a.app_context():
        user = UserFactory(admin=change is _revoke_admin, name="Old Name")
        MembershipFactory(user=user, manager=change is not _revoke_admin)
    laptop = login_client(worker_b, user)
    assert before in laptop.get(url).get_data(as_text=True)
    with worker_a.app_context():
        change(db.session.get(User, user.id))
        db.session.commit()
    assert before in laptop.get(url).get_data(as_text=True)  # before B's next poll
    clock.now += 2
    page = laptop.get(url).get_data(as_text=True)
    assert before not in page and (after is None or after in page)


def test_a_change_read_again_in_the_overlap_drops_nothing_twice(make_app):
    """After a change, B reads the person afresh; later polls still return the change (within
    the overlap) but must not drop the fresh check again: each would cost a query."""
    worker_a, worker_b, clock = _two_workers(make_app)
    with worker_a.app_context():
        user = UserFactory(name="Old Name")
    phone = login_client(worker_b, user)
    phone.get("/account")
    with worker_a.app_context():
        services.change_name(db.session.get(User, user.id), "New Name")
        db.session.commit()
    clock.now += 2
    assert "New Name" in phone.get("/account").get_data(as_text=True)  # dropped, read afresh
    with worker_b.app_context():
        engine = db.engine
    clock.now += 2
    with counting_statements(engine) as seen, worker_b.test_request_context():
        assert load_user(f"{user.id}:1") is not None
    assert len(seen) == 1 and "session_stamp >" in seen[0]  # the poll only, no re-check


# --- what a request costs --------------------------------------------------------------------

def _load_users(app: Any, session_ids: list[str]) -> list[str]:
    with app.app_context():
        engine = db.engine
    with counting_statements(engine) as seen:
        for session_id in session_ids:
            with app.test_request_context():
                assert load_user(session_id) is not None
    return seen


def test_a_lesson_page_with_a_remembered_check_runs_no_statement_at_all(make_app):
    app = make_app(SESSION_CHECK_SECONDS=2)
    app.extensions["session_checks"] = RecentChecks(2, clock=FakeClock())
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    assert statements_for(app, client, "/modules/welcome/1") == []  # after a warm-up GET


def test_a_remembered_check_costs_no_statement_until_the_next_poll(make_app):
    app = make_app(SESSION_CHECK_SECONDS=2)
    clock = FakeClock()
    app.extensions["session_checks"] = RecentChecks(2, clock=clock)
    with app.app_context():
        session_id = UserFactory().get_id()
    assert len(_load_users(app, [session_id])) == 2  # the worker's first poll, then the check
    assert _load_users(app, [session_id] * 5) == []
    clock.now += 2
    assert len(_load_users(app, [session_id])) == 1  # the poll; nothing changed: still a hit


@pytest.mark.parametrize("people", [20, 200])
def test_statements_depend_on_time_not_on_how_many_people_are_signed_in(make_app, people):
    """People take turns, one request every 0.05 s, each back long after any short window
    would have run out. After everyone's first request, only the polls cost statements: one
    every 2 s of this worker's clock, whether 20 or 200 people are signed in."""
    app = make_app(SESSION_CHECK_SECONDS=2)
    clock = FakeClock()
    app.extensions["session_checks"] = RecentChecks(2, clock=clock)
    with app.app_context():
        session_ids = [UserFactory().get_id() for _ in range(people)]
    _load_users(app, session_ids)  # first requests: each person checked once
    with app.app_context():
        engine = db.engine
    with counting_statements(engine) as seen:
        for turn in range(400):  # 20 s of this worker's time
            clock.now += 0.05
            with app.test_request_context():
                assert load_user(session_ids[turn % people]) is not None
    assert 9 <= len(seen) <= 11 and all("session_stamp >" in s for s in seen)


def test_a_new_log_in_never_reuses_a_remembered_check_from_before_it(app):
    """Log-in reads the person afresh. Here the admin role is revoked by a direct database
    write (which stamps nothing, so no poll could see it) while this worker still remembers
    the person as an admin; only log-in forgetting the remembered check can stop the new
    session from carrying the old role."""
    app.extensions["session_checks"] = RecentChecks(2, clock=FakeClock())
    with app.app_context():
        user = UserFactory(admin=True, email="ada@example.org")
    laptop = app.test_client()
    laptop.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert laptop.get("/partnership").status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(is_admin=False))
        db.session.commit()
    assert laptop.get("/partnership").status_code == 200  # remembered: nothing stamped
    phone = app.test_client()
    assert phone.post("/login", data={"email": "ada@example.org",
                                      "password": PASSWORD}).status_code == 302
    assert phone.get("/partnership").status_code in (403, 404)
    assert ">Partnership<" not in phone.get("/").get_data(as_text=True)
    assert laptop.get("/partnership").status_code in (403, 404)  # same check, read afresh


def test_name_change_shows_at_once(app):
    with app.app_context():
        user = UserFactory(name="Old Name")
    client = login_client(app, user)
    client.get("/")
    client.post("/account/name", data={"profile-name": "New Name"})
    assert "New Name" in client.get("/").get_data(as_text=True)
