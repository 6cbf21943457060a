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
