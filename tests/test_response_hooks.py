"""What every response gets (``web/main.add_security_headers``) and how hooks run
(``PortalApp.ensure_sync``), after both were made cheaper per request."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Response

from training_portal.web.main import CONTENT_SECURITY_POLICY, HSTS

EXPECTED = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}


def _values(response: Any, name: str) -> list[str]:
    return response.headers.getlist(name)


def test_every_security_header_once_with_its_value(client: Any) -> None:
    for path in ("/", "/healthz", "/login", "/no-such-page"):
        response = client.get(path)
        for name, value in EXPECTED.items():
            assert _values(response, name) == [value], (path, name)
        assert _values(response, "Strict-Transport-Security") == []


def test_production_adds_hsts_once(make_app: Any) -> None:
    response = make_app(PORTAL_ENV="production", SESSION_COOKIE_SECURE=False).test_client().get("/login")
    assert _values(response, "Strict-Transport-Security") == [HSTS]
    for name, value in EXPECTED.items():
        assert _values(response, name) == [value], name


def test_a_header_the_view_set_is_kept_whatever_its_case(app: Any) -> None:
    @app.route("/_test/framed")
    def framed() -> Response:
        response = Response("ok")
        response.headers["x-frame-options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    response = app.test_client().get("/_test/framed")
    assert _values(response, "X-Frame-Options") == ["SAMEORIGIN"]
    assert _values(response, "Content-Security-Policy") == ["default-src 'none'"]
    assert _values(response, "Referrer-Policy") == ["same-origin"]
    assert _values(response, "Cache-Control") == ["public, max-age=60"]


def test_a_personal_response_that_set_a_private_cache_control_becomes_no_store(app: Any) -> None:
    @app.route("/_test/private")
    def private() -> Response:
        response = Response("ok")
        response.headers["Cache-Control"] = "private, max-age=60"
        return response

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:1"
    assert _values(client.get("/_test/private"), "Cache-Control") == ["no-store"]


def test_hooks_run_on_every_request_and_coroutines_are_still_wrapped(app: Any) -> None:
    calls: list[str] = []

    @app.before_request
    def counted() -> None:
        calls.append("before")

    client = app.test_client()
    for _ in range(3):
        client.get("/healthz")
    assert calls == ["before"] * 3
    assert app.ensure_sync(counted) is counted

    async def coroutine() -> None:
        return None

    with pytest.raises(RuntimeError, match="async"):  # Flask wraps it (asgiref is not installed)
        app.ensure_sync(coroutine)
    with pytest.raises(RuntimeError, match="async"):  # asked again: still wrapped, never remembered as plain
        app.ensure_sync(coroutine)
