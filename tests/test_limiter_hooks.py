"""Flask-Limiter's after-request and teardown hooks run only for requests that met a limit
(``extensions.DecoratedLimiter.init_app``), and still do their work on those."""

from __future__ import annotations

from typing import Any

import pytest
from flask_limiter import Limiter

from tests.conftest import login_client
from tests.factories import UserFactory
from training_portal.extensions import limiter


@pytest.fixture
def hook_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Calls of Flask-Limiter's own hooks, in apps made after this fixture."""
    calls: list[str] = []
    inject, release = Limiter._Limiter__inject_headers, Limiter._Limiter__release_context  # type: ignore[attr-defined]

    def counting_inject(self: Any, response: Any) -> Any:
        calls.append("inject")
        return inject(self, response)

    def counting_release(self: Any, exc: Any = None) -> None:
        calls.append("release")
        release(self, exc)

    monkeypatch.setattr(Limiter, "_Limiter__inject_headers", counting_inject)
    monkeypatch.setattr(Limiter, "_Limiter__release_context", counting_release)
    return calls


def test_pages_without_a_limit_skip_the_limiters_hooks(make_app: Any, hook_calls: list[str]) -> None:
    app = make_app()
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    for path in ("/my/training", "/modules/welcome/1", "/healthz", "/no-such-page"):
        client.get(path)
    assert hook_calls == []


def test_a_limited_route_runs_them_and_sends_rate_limit_headers(
        make_app: Any, hook_calls: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(VERIFY_RATE_LIMIT="3 per minute")
    monkeypatch.setattr(limiter, "_headers_enabled", True)  # read from the first app's settings only
    client = app.test_client()
    answers = [client.get("/verify/ABCD-EFGH-JKLM") for _ in range(4)]
    assert hook_calls.count("inject") == 4 and hook_calls.count("release") == 4
    assert [a.headers.get("X-RateLimit-Remaining") for a in answers[:3]] == ["2", "1", "0"]
    assert answers[3].status_code == 429 and "Retry-After" in answers[3].headers


def test_a_deduction_on_the_response_still_counts(make_app: Any) -> None:
    app = make_app()

    @app.route("/_test/deducted")
    @limiter.limit("2 per minute", deduct_when=lambda response: response.status_code == 404)
    def deducted() -> tuple[str, int]:
        return "missing", 404

    client = app.test_client()
    assert [client.get("/_test/deducted").status_code for _ in range(3)] == [404, 404, 429]


def test_the_app_refuses_to_start_if_flask_limiter_registers_its_hooks_differently(
        make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    original = Limiter.init_app

    def init_without_hooks(self: Any, app: Any) -> None:
        original(self, app)
        app.after_request_funcs[None] = [f for f in app.after_request_funcs[None]
                                         if getattr(f, "func", None) is not Limiter._Limiter__inject_headers]  # type: ignore[attr-defined]

    monkeypatch.setattr(Limiter, "init_app", init_without_hooks)
    with pytest.raises(RuntimeError, match="Flask-Limiter's request hooks"):
        make_app()
