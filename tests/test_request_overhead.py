"""Work every request used to pay for nothing is gone, and what it guarded still works
(issue 11: per-request work only where it is needed)."""

from __future__ import annotations

import pytest

from tests.conftest import login_client
from tests.factories import UserFactory
from tests.learning import start_quiz
from training_portal.extensions import limiter


@pytest.fixture
def limit_checks(monkeypatch):  # type: ignore[no-untyped-def]
    """How many times the limiter worked out which limits apply to a request."""
    calls: list[str | None] = []
    resolve = limiter.limit_manager.resolve_limits

    def counting(app, endpoint, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(endpoint)
        return resolve(app, endpoint, *args, **kwargs)

    monkeypatch.setattr(limiter.limit_manager, "resolve_limits", counting)
    return calls


def test_pages_without_a_limit_never_ask_the_limiter(app, limit_checks):
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    for path in ("/my/training", "/modules/welcome/1", "/my/certificates", "/healthz"):
        assert client.get(path).status_code == 200, path
    assert limit_checks == []


def test_a_limited_route_is_still_checked_and_refuses_when_over(make_app, limit_checks):
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
             .status_code for _ in range(3)]
    assert "accounts.login" in limit_checks
    assert codes[-1] == 429


def _menu_token(page: str) -> str:
    import re

    found = re.search(r'action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                      page)
    assert found, "no log-out form"
    return found.group(1)


def test_log_out_token_is_signed_once_and_still_logs_out(make_app):
    """The menu's log-out token is reused across pages of one session (not signed per page),
    is not another session's, and still logs the person out."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user, other = UserFactory(), UserFactory()
    client, other_client = login_client(app, user), login_client(app, other)
    tokens = {_menu_token(client.get(path).get_data(as_text=True))
              for path in ("/my/training", "/modules/welcome/1", "/my/certificates", "/modules/welcome/1")}
    assert len(tokens) == 1
    token = tokens.pop()
    assert _menu_token(other_client.get("/my/training").get_data(as_text=True)) != token
    assert other_client.post("/logout", data={"csrf_token": token}).status_code == 400
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/my/training").status_code == 302  # signed out: asked to log in


def test_the_log_out_token_is_signed_once_per_reuse_window(make_app, monkeypatch):
    from training_portal.web import page_cache

    signed: list[str] = []
    real = page_cache.generate_csrf
    monkeypatch.setattr(page_cache, "generate_csrf", lambda: signed.append("x") or real())
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    client.get("/my/training")  # the session's raw token is made and signed
    for path in ("/my/training", "/modules/welcome/1", "/my/certificates", "/modules/welcome/1"):
        client.get(path)
    assert len(signed) == 1  # every later page reused it
    later = page_cache.time.monotonic() + page_cache.TOKEN_REUSE_SECONDS + 1
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: later)
    client.get("/my/training")
    client.get("/my/training")
    assert len(signed) == 2


def _postgresql_only(app) -> None:  # type: ignore[no-untyped-def]
    from training_portal.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("connections dropped by the server: PostgreSQL (SQLite is a local file)")


def _kill_the_apps_connections(app) -> None:  # type: ignore[no-untyped-def]
    """As a database restart does: every other connection to this database is ended."""
    from sqlalchemy import create_engine, text

    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    other.dispose()


@pytest.mark.postgres_only
def test_no_ping_per_request_on_postgresql(app):
    _postgresql_only(app)
    from tests.statement_count import counting_statements
    from training_portal import reads
    from training_portal.extensions import db

    with app.app_context():
        engines = (db.engine, app.extensions[reads.EXTENSION])
        assert [engine.pool._pre_ping for engine in engines] == [False, False]
        user = UserFactory()
    client = login_client(app, user)
    client.get("/my/training")
    with counting_statements(*engines) as seen:
        client.get("/my/training")
    assert seen and not any(s.strip().upper() == "SELECT 1" for s in seen)


@pytest.mark.postgres_only
def test_an_idle_connection_killed_by_a_restart_is_replaced_without_an_error(app, monkeypatch):
    _postgresql_only(app)
    from training_portal import extensions

    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    public_id = start_quiz(client, "welcome")  # the quiz page and My training read in autocommit
    assert client.get("/my/training").status_code == 200
    _kill_the_apps_connections(app)
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", 0.0)  # as after 10 s idle
    assert client.get("/my/training").status_code == 200
    assert client.get(f"/quiz/{public_id}").status_code == 200


@pytest.mark.postgres_only
def test_a_connection_killed_while_busy_gives_one_503_then_recovers(app):
    _postgresql_only(app)
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    assert client.get("/my/training").status_code == 200
    _kill_the_apps_connections(app)  # found at once, before the idle ping would look
    assert client.get("/my/training").status_code == 503
    assert client.get("/my/training").status_code == 200
    assert client.get("/healthz").status_code == 200
