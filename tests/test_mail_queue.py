"""The mail queue: mail leaves the request, is sent once by a drain, retried with backoff."""

from __future__ import annotations

import smtplib
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from tests.conftest import login_client, outbox
from tests.factories import UserFactory
from tests.learning import pass_quiz
from training_portal import create_app
from training_portal.config import ConfigError
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.notifications import outbox as mail_queue
from training_portal.notifications.models import QueuedMail
from training_portal.notifications.outbox import (
    CLAIM_TIMEOUT,
    MAX_ATTEMPTS,
    claim,
    queue_mail,
    retry_delay,
    send_queued,
)

UNREACHABLE_SMTP = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9,
                    "MAIL_USE_TLS": False}


@pytest.fixture
def queue_app(make_app) -> Flask:
    return make_app(MAIL_DELIVERY="queue")


def _rows(app: Flask) -> list[QueuedMail]:
    with app.app_context():
        return list(db.session.scalars(select(QueuedMail).order_by(QueuedMail.id)))


def _queue(app: Flask, count: int = 1, kind: str = "nudge") -> list[int]:
    with app.app_context():
        ids = [queue_mail(f"person{n}@example.org", f"Subject {n}", f"Body {n}\nline two", kind).id
               for n in range(count)]
        db.session.commit()
    return ids


def _drain(app: Flask, **kwargs):
    with app.app_context():
        return send_queued(**kwargs)


def _reset_request(app: Flask, email: str = "sam@example.org"):
    return app.test_client().post("/reset", data={"email": email})


# --- queueing -------------------------------------------------------------------------------

def test_queue_mode_queues_the_reset_mail_and_sends_it_only_when_drained(queue_app):
    with queue_app.app_context():
        UserFactory(email="sam@example.org")
    assert "If an account uses" in _reset_request(queue_app).get_data(as_text=True)
    [row] = _rows(queue_app)
    assert (row.kind, row.to_address, row.sent_at, row.attempts) == (
        "reset_request", "sam@example.org", None, 0)  # the drain writes the mail and its link
    assert "/reset/" not in row.body and outbox(queue_app) == []

    assert _drain(queue_app) == mail_queue.DrainResult(sent=1, failed=0, remaining=0)
    [message] = outbox(queue_app)
    assert message["To"] == "sam@example.org" and "/reset/" in message.get_content()
    [row] = _rows(queue_app)
    assert row.kind == "reset" and row.sent_at is not None and row.claim_token is None
    assert row.body == ""  # the one-time link is not kept once sent


def test_a_rolled_back_action_queues_nothing(queue_app):
    with queue_app.app_context():
        queue_mail("a@example.org", "Hello", "Body", "nudge")
        db.session.rollback()
    assert _rows(queue_app) == []
    assert _drain(queue_app).sent == 0 and outbox(queue_app) == []


def test_an_exception_in_the_view_queues_and_sends_nothing(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)  # inline: would send at the end of the request

    @app.route("/test/queue-then-fail")
    def queue_then_fail() -> str:
        queue_mail("a@example.org", "Hello", "Body", "nudge")
        raise RuntimeError("the action failed after queueing its mail")

    assert app.test_client().get("/test/queue-then-fail").status_code == 500
    assert _rows(app) == [] and outbox(app) == []


def test_inline_sends_only_what_the_request_committed(make_app):
    app = make_app()

    @app.route("/test/commit-one")
    def commit_one() -> str:
        queue_mail("kept@example.org", "Kept", "Body", "nudge")
        db.session.commit()
        queue_mail("dropped@example.org", "Dropped", "Body", "nudge")  # never committed
        return "ok"

    assert app.test_client().get("/test/commit-one").status_code == 200
    assert [m["To"] for m in outbox(app)] == ["kept@example.org"]
    assert [(r.to_address, r.sent_at is not None) for r in _rows(app)] == [
        ("kept@example.org", True)]


def test_unknown_kind_is_refused(queue_app):
    with queue_app.app_context(), pytest.raises(ValueError, match="kind"):
        queue_mail("a@example.org", "Hello", "Body", "newsletter")


def test_passing_queues_the_certificate_mail_with_the_pass(queue_app):
    with queue_app.app_context():
        user = UserFactory()
    pass_quiz(queue_app, login_client(queue_app, user), "welcome")
    [row] = _rows(queue_app)
    assert (row.kind, row.to_address, row.sent_at) == ("certificate", user.email, None)
    assert outbox(queue_app) == []


# --- draining -------------------------------------------------------------------------------

def test_drain_sends_each_mail_once_oldest_first_and_a_second_drain_sends_nothing(queue_app):
    _queue(queue_app, 3)
    assert _drain(queue_app, limit=2) == mail_queue.DrainResult(2, 0, 1)
    assert _drain(queue_app) == mail_queue.DrainResult(1, 0, 0)
    assert _drain(queue_app) == mail_queue.DrainResult(0, 0, 0)
    assert [m["To"] for m in outbox(queue_app)] == [
        "person0@example.org", "person1@example.org", "person2@example.org"]


def test_smtp_failure_is_retried_with_backoff_then_given_up(make_app):
    app = make_app(MAIL_DELIVERY="queue", **UNREACHABLE_SMTP)
    [mail_id] = _queue(app)
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS):
        assert _drain(app, now=now) == mail_queue.DrainResult(0, 1, 1)
        [row] = _rows(app)
        assert row.attempts == attempt and row.failed_at is None
        assert row.send_after == now + retry_delay(attempt)
        assert row.last_error.startswith("ConnectionRefusedError")
        assert "Body 0" not in row.last_error and len(row.last_error) <= 200
        assert _drain(app, now=row.send_after - timedelta(seconds=1)).failed == 0  # not yet due
        now = row.send_after
    assert retry_delay(1) < retry_delay(2) < retry_delay(3)

    assert _drain(app, now=now) == mail_queue.DrainResult(0, 1, 0)  # the last attempt
    [row] = _rows(app)
    assert (row.id, row.attempts, row.failed_at, row.body) == (mail_id, MAX_ATTEMPTS, now, "")
    assert _drain(app, now=now + timedelta(days=1)) == mail_queue.DrainResult(0, 0, 0)


def test_recorded_error_carries_neither_the_body_nor_the_password(make_app, monkeypatch):
    app = make_app(MAIL_DELIVERY="queue", MAIL_PASSWORD="pw-XYZ-123")
    with app.app_context():
        queue_mail("a@example.org", "Reset", "Hello,\n\nhttps://training.example.org/reset/"
                   "TOKEN123456\n\nBye", "reset")
        db.session.commit()

    def leaky_transport(to: str, subject: str, body: str) -> None:
        raise smtplib.SMTPDataError(554, f"rejected {body} (auth pw-XYZ-123)".encode())

    monkeypatch.setattr(mail_queue, "send_mail", leaky_transport)
    assert _drain(app).failed == 1
    [row] = _rows(app)
    assert row.last_error.startswith("SMTPDataError")
    assert "TOKEN123456" not in row.last_error and "pw-XYZ-123" not in row.last_error
    assert "\n" not in row.last_error


def test_a_dead_drains_claim_is_taken_over_after_the_timeout(queue_app):
    [mail_id] = _queue(queue_app)
    claimed_at = utcnow()
    with queue_app.app_context():
        assert claim(db.session(), "dead-drain", 10, claimed_at) == [mail_id]
        db.session.commit()  # ... and the drain dies before sending
    assert _drain(queue_app, now=claimed_at + CLAIM_TIMEOUT / 2) == mail_queue.DrainResult(0, 0, 1)
    assert outbox(queue_app) == []
    late = claimed_at + CLAIM_TIMEOUT + timedelta(seconds=1)
    assert _drain(queue_app, now=late) == mail_queue.DrainResult(1, 0, 0)
    assert len(outbox(queue_app)) == 1


def test_an_overtaken_drain_does_not_send_the_row_again(queue_app):
    [mail_id] = _queue(queue_app)
    start = utcnow()
    with queue_app.app_context():
        session = db.session()
        claim(session, "slow-drain", 10, start)
        session.commit()
        claim(session, "other-drain", 10, start + CLAIM_TIMEOUT + timedelta(seconds=1))
        session.commit()
        assert mail_queue._renew_claim(session, mail_id, "slow-drain", start) is None
        assert mail_queue._renew_claim(session, mail_id, "other-drain", start) is not None


# --- two drains at once ---------------------------------------------------------------------

def test_claims_racing_between_select_and_update_never_overlap(queue_app):
    """Drain B claims everything after drain A chose its rows but before A marks them:
    SQLite's conditional UPDATE leaves them to B; PostgreSQL's row locks make B skip them."""
    ids = _queue(queue_app, 4)
    now = utcnow()
    with queue_app.app_context(), Session(db.engine) as first, Session(db.engine) as second:
        if db.engine.dialect.name == "postgresql":
            second.execute(text("SET LOCAL lock_timeout = '2s'"))  # fail, not hang, if it waits
        claimed: dict[str, list[int]] = {}

        @event.listens_for(first, "do_orm_execute")
        def other_drain_claims_first(state) -> None:
            if state.is_update and "b" not in claimed:
                claimed["b"] = claim(second, "b", 10, now)
                second.commit()

        claimed["a"] = claim(first, "a", 10, now)
        first.commit()
    assert "b" in claimed  # the interleaving happened
    assert set(claimed["a"]).isdisjoint(claimed["b"])
    assert sorted(claimed["a"] + claimed["b"]) == ids


def test_two_drains_claiming_one_after_the_other_split_the_queue(queue_app):
    ids = _queue(queue_app, 5)
    now = utcnow()
    with queue_app.app_context(), Session(db.engine) as first, Session(db.engine) as second:
        a = claim(first, "a", 3, now)
        first.commit()
        b = claim(second, "b", 10, now)
        second.commit()
    assert (a, b) == (ids[:3], ids[3:])


@pytest.mark.postgres_only
def test_postgres_drains_skip_rows_another_drain_has_locked(queue_app):
    ids = _queue(queue_app, 4)
    now = utcnow()
    with queue_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL row locks")
        with Session(db.engine) as first, Session(db.engine) as second:
            a = claim(first, "a", 2, now)  # not committed yet: its rows stay locked
            second.execute(text("SET LOCAL lock_timeout = '2s'"))  # fail, not hang, if it waits
            b = claim(second, "b", 10, now)
            second.commit()
            first.commit()
    assert (a, b) == (ids[:2], ids[2:])


def test_two_drains_running_at_once_send_every_mail_exactly_once(queue_app, monkeypatch):
    _queue(queue_app, 12)
    real_send = mail_queue.send_mail

    def slow_send(to: str, subject: str, body: str) -> None:
        time.sleep(0.005)  # long enough for the other drain to run in between
        real_send(to, subject, body)

    monkeypatch.setattr(mail_queue, "send_mail", slow_send)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run_drain() -> None:
        try:
            with queue_app.app_context():
                barrier.wait()
                for _ in range(100):  # bounded, so a bug fails the test instead of hanging it
                    if not send_queued(limit=3).remaining:
                        break
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=run_drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sent = Counter(m["To"] for m in outbox(queue_app))
    assert len(sent) == 12 and set(sent.values()) == {1}
    with queue_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QueuedMail)
                                 .where(QueuedMail.sent_at.is_(None))) == 0


# --- the request never waits on SMTP --------------------------------------------------------

def test_inline_the_reset_mail_is_sent_by_the_time_the_response_returns(app):
    assert app.config["MAIL_DELIVERY"] == "inline"
    with app.app_context():
        UserFactory(email="sam@example.org")
    assert _reset_request(app).status_code == 200
    assert [m["To"] for m in outbox(app)] == ["sam@example.org"]
    assert _rows(app)[0].sent_at is not None


def test_queue_mode_reset_request_succeeds_with_smtp_unreachable(make_app, monkeypatch):
    app = make_app(MAIL_DELIVERY="queue", **UNREACHABLE_SMTP)
    connections: list[object] = []
    monkeypatch.setattr(smtplib.SMTP, "connect",
                        lambda *args, **kwargs: connections.append(args) or (554, b"no"))
    with app.app_context():
        UserFactory(email="sam@example.org")
    response = _reset_request(app)
    assert response.status_code == 200 and "If an account uses" in response.get_data(as_text=True)
    assert connections == []  # the request never opened an SMTP connection
    [row] = _rows(app)
    assert (row.kind, row.sent_at, row.attempts) == ("reset_request", None, 0)


def test_inline_smtp_failure_is_logged_not_shown_and_the_mail_stays_queued(
        make_app, caplog, monkeypatch):
    # Alembic's fileConfig (the test database's migration) disables loggers that existed then.
    monkeypatch.setattr(mail_queue.log, "disabled", False)
    app = make_app(**UNREACHABLE_SMTP)
    with app.app_context():
        UserFactory(email="sam@example.org")
    response = _reset_request(app)
    assert response.status_code == 200 and "If an account uses" in response.get_data(as_text=True)
    [row] = _rows(app)
    assert (row.sent_at, row.failed_at, row.attempts) == (None, None, 1)
    assert row.send_after > utcnow()  # retried later by `flask mail send-queued`
    assert "not sent" in caplog.text


# --- settings and the command line ----------------------------------------------------------

def test_mail_delivery_defaults_to_queue_only_in_production(tmp_path, make_app):
    assert make_app().config["MAIL_DELIVERY"] == "inline"
    production = create_app({"PORTAL_ENV": "production", "SECRET_KEY": "k" * 64,
                              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/11",
                             "MAIL_BACKEND": "smtp", "MAIL_SERVER": "smtp.example.org",
                             "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3"})
    assert production.config["MAIL_DELIVERY"] == "queue"
    with pytest.raises(ConfigError, match="MAIL_DELIVERY"):
        create_app({"MAIL_DELIVERY": "later"})


def test_cli_send_queued_and_status(queue_app):
    _queue(queue_app, 3, kind="reminder")
    runner = queue_app.test_cli_runner()
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0
    assert "due           3  (reminder 3)" in result.output
    assert "sent          0" in result.output

    result = runner.invoke(args=["mail", "send-queued", "--limit", "2"])
    assert (result.exit_code, result.output) == (0, "sent 2, failed 0, still queued 1\n")
    result = runner.invoke(args=["mail", "send-queued"])
    assert (result.exit_code, result.output) == (0, "sent 1, failed 0, still queued 0\n")
    assert len(outbox(queue_app)) == 3

    status = runner.invoke(args=["mail", "status"]).output
    assert "sent          3  (reminder 3)" in status and "due           0" in status


def test_cli_status_shows_waiting_and_failed(make_app):
    app = make_app(MAIL_DELIVERY="queue", **UNREACHABLE_SMTP)
    _queue(app, 1, kind="reset")
    runner = app.test_cli_runner()
    # The summary is the command's own line (a logging hiccup from another test's closed stream
    # may add "--- Logging error ---" lines around it).
    assert "sent 0, failed 1, still queued 1" in runner.invoke(
        args=["mail", "send-queued"]).output.splitlines()
    assert "waiting       1  (reset 1)" in runner.invoke(args=["mail", "status"]).output
