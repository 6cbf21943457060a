"""Production hygiene: no demo data in production, sessions that end, a request id on the 500 page."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from sqlalchemy import event

from tests.factories import PASSWORD, MembershipFactory, UserFactory
from training_portal.extensions import db


def test_demo_load_refuses_to_run_in_production(make_app: Any) -> None:
    app = make_app(PORTAL_ENV="production", SESSION_COOKIE_SECURE=False)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "refuses to run with PORTAL_ENV=production" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(UserFactory._meta.model)) == 0


def _signed_in(app: Any, email: str) -> Any:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def _age(client: Any, **seconds_ago: int) -> None:
    now = int(time.time())
    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = now - ago


def test_a_session_ends_after_its_absolute_lifetime(make_app: Any) -> None:
    app = make_app(SESSION_MAX_AGE_DAYS=30)
    with app.app_context():
        UserFactory(email="staff@example.org")
    client = _signed_in(app, "staff@example.org")
    _age(client, login_at=29 * 86400, seen_at=0)
    assert client.get("/account").status_code == 200
    _age(client, login_at=30 * 86400 + 60, seen_at=0)  # used a second ago, but 30 days old
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/account").status_code == 302  # the cookie no longer signs anyone in


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_are_signed_out_when_idle(make_app: Any, role: str) -> None:
    app = make_app(MANAGER_IDLE_MINUTES=120)
    with app.app_context():
        if role == "admin":
            UserFactory(email="boss@example.org", admin=True)
        else:
            MembershipFactory(user=UserFactory(email="boss@example.org"), manager=True)
    client = _signed_in(app, "boss@example.org")
    _age(client, login_at=3600, seen_at=119 * 60)
    assert client.get("/account").status_code == 200
    _age(client, seen_at=121 * 60)
    assert client.get("/account").status_code == 302


def test_staff_are_not_signed_out_when_idle(make_app: Any) -> None:
    app = make_app(MANAGER_IDLE_MINUTES=120)
    with app.app_context():
        UserFactory(email="staff@example.org")
    client = _signed_in(app, "staff@example.org")
    _age(client, login_at=5 * 86400, seen_at=4 * 86400)
    assert client.get("/account").status_code == 200


def test_the_idle_check_writes_nothing_to_the_database(make_app: Any) -> None:
    app = make_app()
    with app.app_context():
        MembershipFactory(user=UserFactory(email="boss@example.org"), manager=True)
        engine = db.engine
    client = _signed_in(app, "boss@example.org")
    _age(client, seen_at=30 * 60)
    writes: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith("SELECT"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        first = client.get("/account")
        second = client.get("/account")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert first.status_code == second.status_code == 200
    assert [w for w in writes if not w.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))] == []
    assert "Set-Cookie" in first.headers  # last seen moved on, in the signed cookie
    assert "Set-Cookie" not in second.headers  # not rewritten again within the minute


def test_the_500_page_shows_a_request_id_that_is_in_the_log(make_app: Any,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/test/fail")
    def fail() -> str:
        raise RuntimeError("a bug")

    caplog.set_level(logging.ERROR)
    response = app.test_client().get("/test/fail")
    assert response.status_code == 500
    found = re.search(r'<code class="request-id">([0-9a-f]{16})</code>', response.get_data(as_text=True))
    assert found is not None
    [record] = [r for r in caplog.records if "Exception on" in r.getMessage()]
    assert f"request_id={found.group(1)}" in record.getMessage()
    assert record.request_id == found.group(1)  # type: ignore[attr-defined]
    other = app.test_client().get("/test/fail").get_data(as_text=True)
    assert found.group(1) not in other  # one per request
