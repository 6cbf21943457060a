"""Work every request used to pay for nothing is gone, and what it guarded still works
(issue 11: per-request work only where it is needed)."""

from __future__ import annotations

import pytest

from tests.conftest import login_client
from tests.factories import UserFactory
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
