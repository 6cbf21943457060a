"""Session limits at their exact edges, on a pinned clock (``accounts.sessions.enforce_session_limits``).

A session ends SESSION_MAX_AGE_DAYS after log-in whoever holds it, and after MANAGER_IDLE_MINUTES
unused for managers and admins. The clock is pinned to literal instants so each edge is tested
to the second; the expected instants are written out, never worked out from the settings.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD, MembershipFactory, UserFactory
from training_portal.accounts import sessions

LOGIN = 1_780_000_000  # 2026-05-28 20:26:40 UTC


class Clock:
    """Stands in for the ``time`` module that ``accounts.sessions`` reads."""

    def __init__(self, now: int) -> None:
        self.now = now

    def time(self) -> float:
        return float(self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    pinned = Clock(LOGIN)
    monkeypatch.setattr(sessions, "time", pinned)
    return pinned


def _person(app: Any, role: str) -> None:
    with app.app_context():
        if role == "admin":
            UserFactory(email="person@example.org", admin=True)
        elif role == "manager":
            MembershipFactory(user=UserFactory(email="person@example.org"), manager=True)
        else:
            MembershipFactory(user=UserFactory(email="person@example.org"))


def _signed_in(make_app: Any, role: str, **settings: int) -> Any:
    app = make_app(**settings)
    _person(app, role)
    client = app.test_client()
    response = client.post("/login", data={"email": "person@example.org", "password": PASSWORD})
    assert response.status_code == 302
    return client


def _in(client: Any, clock: Clock, at: int) -> bool:
    """Whether the person is still signed in when they open a page at `at`."""
    clock.now = at
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _cookie(client: Any) -> dict[str, Any]:
    with client.session_transaction() as session:
        return dict(session)


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_a_session_lasts_thirty_days_to_the_second_and_not_one_second_more(make_app: Any, clock: Clock,
                                                                            role: str) -> None:
    client = _signed_in(make_app, role, SESSION_MAX_AGE_DAYS=30, MANAGER_IDLE_MINUTES=0)
    assert _in(client, clock, 1_782_592_000)  # 30 days of 86,400 s after log-in
    assert not _in(client, clock, 1_782_592_001)
    assert not _in(client, clock, 1_782_592_002)  # the cookie no longer signs anyone in


def test_a_two_day_lifetime_ends_after_two_days(make_app: Any, clock: Clock) -> None:
    client = _signed_in(make_app, "staff", SESSION_MAX_AGE_DAYS=2)
    assert _in(client, clock, 1_780_172_800)
    assert not _in(client, clock, 1_780_172_801)


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_may_be_idle_two_hours_to_the_second(make_app: Any, clock: Clock,
                                                                 role: str) -> None:
    client = _signed_in(make_app, role, MANAGER_IDLE_MINUTES=120)
    assert _in(client, clock, 1_780_007_200)  # 7,200 s unused: still in, and seen now
    assert _in(client, clock, 1_780_014_400)  # another 7,200 s
    assert not _in(client, clock, 1_780_021_601)  # 7,201 s unused


def test_a_thirty_minute_idle_limit(make_app: Any, clock: Clock) -> None:
    client = _signed_in(make_app, "manager", MANAGER_IDLE_MINUTES=30)
    assert _in(client, clock, 1_780_001_800)
    assert not _in(client, clock, 1_780_003_601)


def test_staff_are_never_signed_out_for_being_idle(make_app: Any, clock: Clock) -> None:
    client = _signed_in(make_app, "staff", MANAGER_IDLE_MINUTES=120)
    assert _in(client, clock, 1_780_259_200)  # three days unused


def test_an_idle_limit_of_zero_minutes_means_no_idle_limit(make_app: Any, clock: Clock) -> None:
    client = _signed_in(make_app, "manager", MANAGER_IDLE_MINUTES=0, SESSION_MAX_AGE_DAYS=30)
    assert _in(client, clock, 1_780_864_000)  # ten days unused, within the 30-day lifetime


def test_use_within_a_minute_does_not_move_the_idle_clock(make_app: Any, clock: Clock) -> None:
    client = _signed_in(make_app, "manager", MANAGER_IDLE_MINUTES=120)
    assert _in(client, clock, 1_780_000_059)  # 59 s later: last use stays at log-in
    assert not _in(client, clock, 1_780_007_201)


def test_use_a_minute_later_moves_the_idle_clock(make_app: Any, clock: Clock) -> None:
    client = _signed_in(make_app, "manager", MANAGER_IDLE_MINUTES=120)
    assert _in(client, clock, 1_780_000_060)  # 60 s later: last use moves to now
    assert _in(client, clock, 1_780_007_260)
    assert not _in(client, clock, 1_780_014_461)


def _from_before_the_limits(client: Any, old_login_at: Any) -> None:
    """The cookie of a session begun before the limits: no log-in time, a last use long ago."""
    with client.session_transaction() as session:
        session.pop("login_at")
        if old_login_at is not None:
            session["login_at"] = old_login_at
        session["seen_at"] = 1_770_000_000


@pytest.mark.parametrize("old_login_at", [None, "2026-01-01T00:00:00"])
def test_a_session_from_before_the_limits_lives_thirty_days_from_its_next_use(make_app: Any, clock: Clock,
                                                                             old_login_at: Any) -> None:
    client = _signed_in(make_app, "staff", SESSION_MAX_AGE_DAYS=30)
    _from_before_the_limits(client, old_login_at)
    assert _in(client, clock, 1_790_000_000)  # first use since: the lifetime starts now
    assert _in(client, clock, 1_792_592_000)
    assert not _in(client, clock, 1_792_592_001)


@pytest.mark.parametrize("old_login_at", [None, "2026-01-01T00:00:00"])
def test_a_session_from_before_the_limits_is_not_idle_at_its_next_use(make_app: Any, clock: Clock,
                                                                     old_login_at: Any) -> None:
    client = _signed_in(make_app, "manager", MANAGER_IDLE_MINUTES=120)
    _from_before_the_limits(client, old_login_at)
    assert _in(client, clock, 1_790_000_000)  # its old last use is forgotten: the idle clock starts now
    assert _in(client, clock, 1_790_007_200)
    assert not _in(client, clock, 1_790_014_401)


def test_a_session_from_before_the_limits_is_idle_from_its_next_use(make_app: Any, clock: Clock) -> None:
    client = _signed_in(make_app, "manager", MANAGER_IDLE_MINUTES=120)
    with client.session_transaction() as session:
        session.pop("login_at")
        session.pop("seen_at")
    assert _in(client, clock, 1_790_000_000)
    assert not _in(client, clock, 1_790_007_201)


def test_a_session_without_a_last_use_counts_as_used_now(make_app: Any, clock: Clock) -> None:
    client = _signed_in(make_app, "manager", MANAGER_IDLE_MINUTES=120)
    with client.session_transaction() as session:
        session.pop("seen_at")
    assert _in(client, clock, 1_780_259_200)  # three days after log-in, no last use recorded


@pytest.mark.parametrize(("settings", "at"), [
    ({"SESSION_MAX_AGE_DAYS": 30, "MANAGER_IDLE_MINUTES": 0}, 1_782_592_001),
    ({"SESSION_MAX_AGE_DAYS": 30, "MANAGER_IDLE_MINUTES": 120}, 1_780_007_201),
], ids=["lifetime", "idle"])
def test_an_ended_session_leaves_nothing_in_the_cookie(make_app: Any, clock: Clock, settings: dict[str, int],
                                                       at: int) -> None:
    client = _signed_in(make_app, "manager", **settings)
    assert {"login_at", "seen_at", "sid", "_user_id"} <= set(_cookie(client))
    assert not _in(client, clock, at)
    assert set(_cookie(client)) <= {"_flashes"}


def test_a_visitor_who_is_not_signed_in_gets_no_session_times(make_app: Any, clock: Clock) -> None:
    client = make_app().test_client()
    assert client.get("/healthz").status_code == 200
    assert _cookie(client) == {}


@pytest.mark.parametrize("check_seconds", [0, 2])
def test_remembered_session_checks_change_neither_the_last_use_nor_the_idle_limit(
        make_app: Any, clock: Clock, check_seconds: int) -> None:
    """Between polls a worker reuses a passed session check (SESSION_CHECK_SECONDS=2), yet the
    last use still moves at the minute and the idle limit still holds to the second: both are
    read from the cookie on every request, as with no remembered checks (0)."""
    client = _signed_in(make_app, "manager", MANAGER_IDLE_MINUTES=120,
                        SESSION_CHECK_SECONDS=check_seconds)
    assert _in(client, clock, 1_780_000_060)  # 60 s later: last use moves to now
    assert _cookie(client)["seen_at"] == 1_780_000_060
    assert _in(client, clock, 1_780_007_260)
    assert not _in(client, clock, 1_780_014_461)
