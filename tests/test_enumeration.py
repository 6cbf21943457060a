"""No account enumeration: reset, sign-in link and co-manager forms answer the same way, doing
the same work, whether or not the address has an account, even when the mail server is slow
or down. "In the same time" follows from the same statements and from never calling the mail
server inside the request (mail is queued); both are asserted here instead of wall-clock
times, which a shared machine makes flaky."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests.conftest import login_client
from tests.factories import MembershipFactory, UserFactory
from training_portal import create_app
from training_portal.config import ConfigError
from training_portal.extensions import db

KNOWN, UNKNOWN = "sam@example.org", "nobody@example.org"


@contextmanager
def _statements(app: Any) -> Iterator[list[str]]:
    """Every SQL statement the app runs (their text, not their values)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


#: Calls that reached the (slow or failing) mail server; a request must never make one.
MAIL_SERVER_CALLS: list[object] = []


def _slow(*args: object) -> None:
    MAIL_SERVER_CALLS.append(args)
    time.sleep(0.5)


def _failing(*args: object) -> None:
    MAIL_SERVER_CALLS.append(args)
    raise ConnectionRefusedError("the mail server is down")


@pytest.fixture(params=["slow", "failing"])
def queue_app(make_app: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Any:
    transport = {"slow": _slow, "failing": _failing}[request.param]
    monkeypatch.setattr("training_portal.notifications.outbox.send_mail", transport)
    monkeypatch.setattr("training_portal.notifications.mail.send_mail", transport)
    MAIL_SERVER_CALLS.clear()
    app = make_app(MAIL_DELIVERY="queue", EMAIL_RATE_LIMIT="1000 per minute")
    with app.app_context():
        UserFactory(email=KNOWN)
    return app


def _answer(send: Callable[[str], Any], email: str) -> tuple[int, str]:
    response = send(email)
    return response.status_code, response.get_data(as_text=True).replace(email, "ADDRESS")


@pytest.mark.parametrize("path", ["/reset", "/login/link"])
def test_email_forms_answer_the_same_with_the_same_work(queue_app: Any, path: str) -> None:
    client = queue_app.test_client()

    def send(email: str) -> Any:
        return client.post(path, data={"email": email})

    send(KNOWN), send(UNKNOWN)  # warm up both paths
    with _statements(queue_app) as known_sql:
        known = _answer(send, KNOWN)
    with _statements(queue_app) as unknown_sql:
        unknown = _answer(send, UNKNOWN)
    assert known == unknown and known[0] == 200
    assert known_sql == unknown_sql  # the same statements: no lookup, no token, one queued row
    assert MAIL_SERVER_CALLS == []  # nobody waits on the (slow or failing) mail server


def test_the_drain_sends_only_to_the_known_address(make_app: Any) -> None:
    app = make_app(MAIL_DELIVERY="queue")
    with app.app_context():
        UserFactory(email=KNOWN)
    client = app.test_client()
    client.post("/reset", data={"email": KNOWN})
    client.post("/reset", data={"email": UNKNOWN})
    assert app.test_cli_runner().invoke(args=["mail", "send-queued"]).exit_code == 0
    assert [m["To"] for m in app.extensions.get("mail_outbox", [])] == [KNOWN]


def test_co_manager_invitations_do_the_same_work_for_any_address(queue_app: Any) -> None:
    with queue_app.app_context():
        membership = MembershipFactory(manager=True)
        owner, venue_id = membership.user, membership.venue_id
        membership.venue.created_by_id = owner.id
        db.session.commit()
    client = login_client(queue_app, owner)
    queue_app.extensions["session_checks"].seconds = 0  # each request checks its session alike

    def send(email: str) -> Any:
        return client.post(f"/venues/{venue_id}/managers", data={"email": email},
                           follow_redirects=True)

    with _statements(queue_app) as known_sql:
        known = _answer(send, KNOWN)
    with _statements(queue_app) as unknown_sql:
        unknown = _answer(send, UNKNOWN)
    assert known[0] == unknown[0] == 200
    assert known[1].count("ADDRESS") == unknown[1].count("ADDRESS")
    assert known_sql == unknown_sql
    assert MAIL_SERVER_CALLS == []


def test_production_never_sends_mail_inside_a_request(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="MAIL_DELIVERY=inline"):
        create_app({"PORTAL_ENV": "production", "SECRET_KEY": "k" * 64, "MAIL_BACKEND": "disabled",
                    "MAIL_DELIVERY": "inline", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
