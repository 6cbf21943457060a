"""No secrets in logs: production never logs mail bodies, links, tokens, passwords or cookies;
security events are logged without secrets, one line each."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import pytest

from tests.factories import PASSWORD, UserFactory
from training_portal import audit, create_app
from training_portal.accounts import services
from training_portal.config import ConfigError
from training_portal.extensions import db
from training_portal.logs import escape


@pytest.fixture
def production(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A production app that sends mail inline (the worst case for the log) with mail disabled."""
    issued: list[str] = []
    real = secrets.token_urlsafe

    def remembered(n: int | None = None) -> str:
        value = real(n)
        issued.append(value)
        return value

    monkeypatch.setattr("training_portal.accounts.services.secrets.token_urlsafe", remembered)
    app = make_app(PORTAL_ENV="production", MAIL_BACKEND="disabled",
                   SESSION_COOKIE_SECURE=False, PROPAGATE_EXCEPTIONS=False)
    app.config["issued_tokens"] = issued
    return app


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


def test_production_logs_no_token_link_password_or_cookie(production: Any,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with production.app_context():
        UserFactory(email="sam@example.org")
    client = production.test_client()
    client.post("/reset", data={"email": "sam@example.org"})
    client.post("/login/link", data={"email": "sam@example.org"})
    client.post("/login", data={"email": "sam@example.org", "password": "my-secret-guess-1"})
    client.post("/login", data={"email": "my-secret-guess-2", "password": "x" * 12})
    assert client.post("/login", data={"email": "sam@example.org", "password": PASSWORD}).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.get("/account")
    assert production.test_cli_runner().invoke(args=["mail", "send-queued"]).exit_code == 0  # cron
    tokens = production.config["issued_tokens"]
    assert len(tokens) >= 2
    logged = _everything_logged(caplog)
    assert "account.login_failed" in logged  # the failures are there, as events
    for secret in [*tokens, "/reset/", "/login/link/", "my-secret-guess-1", "my-secret-guess-2",
                   PASSWORD, cookie.value]:
        assert secret not in logged, secret


def test_a_failure_on_a_token_page_never_logs_the_token(production: Any, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "peek_token", broken)
    token = "Secret-Token-" + secrets.token_urlsafe(8)
    response = production.test_client().get(f"/reset/{token}")
    assert response.status_code == 500
    logged = _everything_logged(caplog)
    assert "Exception on /reset/<token> [GET]" in logged
    assert token not in logged


@pytest.mark.parametrize("settings", [{}, {"MAIL_BACKEND": "outbox"}, {"MAIL_BACKEND": "memory"},
                                      {"MAIL_BACKEND": "smtp", "MAIL_SERVER": ""}])
def test_production_refuses_to_start_without_a_mail_configuration(tmp_path: Any, settings: dict) -> None:
    base = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 64,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3"}
    with pytest.raises(ConfigError, match="MAIL"):
        create_app({**base, **settings})


@pytest.mark.parametrize("settings", [{"MAIL_BACKEND": "smtp", "MAIL_SERVER": "smtp.example.org"},
                                      {"MAIL_BACKEND": "disabled"}])
def test_production_starts_with_smtp_or_mail_disabled_on_purpose(tmp_path: Any, settings: dict) -> None:
    base = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 64,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/11",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3"}
    assert create_app({**base, **settings}).config["MAIL_BACKEND"] == settings["MAIL_BACKEND"]


def _events(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "training_portal.events"]


def test_name_email_and_role_changes_are_events_on_one_line(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="training_portal.events")
    with app.app_context():
        user = UserFactory(email="sam@example.org")
        user_id = user.id
    client = app.test_client(user=user)
    assert client.post("/account/name", data={"profile-name": "Eve Example"}).status_code == 302
    client.post("/account/email", data={"email-email": "sam2@example.org", "email-current_password": PASSWORD})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "grant", "sam2@example.org", "trainer"]).exit_code == 0
    with app.app_context():
        assert db.session.get(services.User, user_id).name == "Eve Example"
        forged = "spam\r\nevent role.granted actor=None target=user:1 role=admin"
        audit.record(user_id, "certificate.revoked", "certificate", 1, reason=forged)
    events = _events(caplog)
    assert any(e.startswith(f"event account.name_changed actor={user_id}") for e in events), events
    assert any(e.startswith("event account.email_changed") and "old=sam@example.org" in e for e in events)
    assert any(e.startswith("event role.granted") and "role=trainer" in e for e in events)
    assert any("reason=spam\\r\\nevent role.granted" in e for e in events)
    assert all("\n" not in e and "\r" not in e for e in events)
    assert PASSWORD not in "".join(events)


def test_failed_log_ins_are_events_without_the_typed_text(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="training_portal.events")
    client.post("/login", data={"email": "typed-secret@example.org", "password": "another-one-12"})
    [event] = _events(caplog)
    assert event.startswith("event account.login_failed account=")
    assert "typed-secret" not in event and "another-one-12" not in event


def test_logged_values_have_cr_lf_escaped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert escape("a\r\nb\x00c\u2028") == "a\\r\\nb\\x00c\\x2028"
    create_app({"TESTING": True})  # installs the escaping
    logging.getLogger("training_portal.anything").info("value: %s", "one\nforged line")
    assert caplog.records[-1].getMessage() == "value: one\\nforged line"
