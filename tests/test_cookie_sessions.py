"""Verified session cookies remembered per worker (``web/cookie_sessions.py``) are refused
exactly when Flask's own verification would refuse them: expired, tampered, signed with a key
that is no longer accepted; the memory stays bounded and each request gets its own copy."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from flask import request, session

from tests.factories import PASSWORD, UserFactory
from training_portal.web.cookie_sessions import VerifiedCookieSessions

LIFETIME = 100  # seconds a session cookie stays valid after it was signed


class Clock:
    """``time.time`` for everyone (itsdangerous signs and checks with it), moved by the test."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    pinned = Clock()
    monkeypatch.setattr(time, "time", pinned)
    return pinned


def _log_in(app: Any, email: str = "reader@example.org") -> str:
    """Log in through the form; return the session cookie it set."""
    with app.app_context():
        UserFactory(email=email)
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _signed_in(app: Any, cookie: str) -> bool:
    """Whether a client replaying exactly this cookie (as a copied cookie would) is signed in."""
    response = app.test_client(use_cookies=False).get("/account", headers={"Cookie": f"session={cookie}"})
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_remembered_cookie_is_refused_once_older_than_the_session_lifetime(make_app, clock):
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=LIFETIME))
    signed_at = clock.now
    cookie = _log_in(app)
    assert _signed_in(app, cookie)  # verified, and now remembered
    clock.now = signed_at + LIFETIME  # the last second it is valid (itsdangerous: age > max_age fails)
    assert _signed_in(app, cookie)
    clock.now = signed_at + LIFETIME + 1
    assert not _signed_in(app, cookie)
    clock.now = signed_at - 1  # signed "in the future": itsdangerous refuses a negative age too
    assert not _signed_in(app, cookie)


def test_an_expired_cookie_seen_for_the_first_time_is_refused(make_app, clock):
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=LIFETIME))
    signed_at = clock.now
    cookie = _log_in(app)
    clock.now = signed_at + LIFETIME + 1
    assert not _signed_in(app, cookie)
    assert len(app.session_interface) == 0  # nothing refused is remembered


def _changed(text: str, at: int) -> str:
    """``text`` with the character at ``at`` replaced by another base64 character."""
    return text[:at] + ("B" if text[at] == "A" else "A") + text[at + 1:]


def _tampered(cookie: str) -> list[str]:
    payload, timestamp, signature = cookie.rsplit(".", 2)
    assert len(payload) > 20 and len(timestamp) == 6 and len(signature) == 27
    return [f"{payload}.{timestamp}.{_changed(signature, 10)}",
            f"{_changed(payload, 10)}.{timestamp}.{signature}",
            f"{payload}.{_changed(timestamp, 2)}.{signature}",
            f"{payload}.{timestamp}", cookie + "A"]


def test_a_tampered_cookie_is_refused_after_the_real_one_was_remembered(make_app):
    app = make_app()
    cookie = _log_in(app)
    assert _signed_in(app, cookie)
    for forged in _tampered(cookie):
        assert not _signed_in(app, forged), forged
    assert _signed_in(app, cookie)


def test_a_cookie_signed_with_another_key_is_refused(make_app):
    app = make_app()
    other = make_app(SECRET_KEY="another-secret-key-that-is-long-enough-for-tests")
    assert not _signed_in(app, _log_in(other))


def test_rotating_the_key_keeps_a_remembered_cookie_only_while_its_key_is_a_fallback(make_app):
    app = make_app()
    old_key = app.config["SECRET_KEY"]
    cookie = _log_in(app)
    assert _signed_in(app, cookie)  # remembered under the old key
    app.config.update(SECRET_KEY="the-new-secret-key-that-is-long-enough-too", SECRET_KEY_FALLBACKS=[old_key])
    assert _signed_in(app, cookie)  # the old key is still accepted as a fallback
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert not _signed_in(app, cookie)  # the key has gone: so has everything it verified
    app.config["SECRET_KEY"] = old_key
    assert _signed_in(app, cookie)  # back (a rollback of the rotation): verified afresh


def test_the_remembered_cookies_are_bounded(make_app):
    app = make_app()
    app.session_interface = VerifiedCookieSessions(max_cookies=3)
    cookies = [_log_in(app, f"reader{n}@example.org") for n in range(5)]
    for cookie in cookies:
        assert _signed_in(app, cookie)
        assert len(app.session_interface) <= 3
    assert len(app.session_interface) == 3
    assert all(_signed_in(app, cookie) for cookie in cookies)  # forgotten ones are verified again


def test_each_request_gets_its_own_copy_of_the_session(app):
    interface = app.session_interface
    with app.test_request_context():
        cookie = interface.get_signing_serializer(app).dumps(
            {"read": {"welcome": 1}, "_flashes": [["message", "hello"]], "pair": (1, [2])})

    def opened() -> Any:
        with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
            return app.session_interface.open_session(app, request)

    first = opened()
    first["read"]["welcome"] = 3  # views may change what they read, in place
    first["_flashes"].append(["message", "again"])
    first["pair"][1].append(3)
    second = opened()
    assert dict(second) == {"read": {"welcome": 1}, "_flashes": [["message", "hello"]], "pair": (1, [2])}
    assert not second.modified


def test_an_unchanged_session_sets_no_cookie_but_varies_on_it(app):
    with app.app_context():
        user = UserFactory()
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    client.get("/account")  # the first page adds the session's CSRF token
    response = client.get("/account")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" in response.headers["Vary"]


def test_a_changed_session_is_still_sent(app):
    @app.route("/_test/remember")
    def remember() -> str:
        session["remembered"] = "yes"
        return "ok"

    response = app.test_client().get("/_test/remember")
    assert "session=" in response.headers["Set-Cookie"]


def test_a_long_cookie_header_is_verified_each_time_and_never_remembered(make_app):
    from training_portal.web import cookie_sessions

    app = make_app()
    cookie = _log_in(app)
    padding = "x" * (cookie_sessions.MAX_HEADER + 1)
    client = app.test_client(use_cookies=False)
    for _ in range(2):
        response = client.get("/account", headers={"Cookie": f"session={cookie}; other={padding}"})
        assert response.status_code == 200
    assert len(app.session_interface) == 0
    forged = _tampered(cookie)[0]
    response = client.get("/account", headers={"Cookie": f"session={forged}; other={padding}"})
    assert response.status_code == 302


def test_the_session_cookie_is_read_from_the_header_as_werkzeug_reads_it(make_app):
    """The first of two session cookies counts (Werkzeug's rule), remembered or not."""
    app = make_app()
    cookie = _log_in(app)
    forged = _tampered(cookie)[0]
    client = app.test_client(use_cookies=False)
    for _ in range(2):
        assert client.get("/account", headers={"Cookie": f"session={cookie}; session={forged}"}).status_code == 200
        assert client.get("/account", headers={"Cookie": f"session={forged}; session={cookie}"}).status_code == 302
        assert client.get("/account", headers={"Cookie": f"theme=dark; session={cookie}"}).status_code == 200


def test_vary_keeps_what_the_view_said(app):
    @app.route("/_test/vary")
    def vary() -> Any:
        if "seen" not in session:
            session["seen"] = True
        response = app.response_class("ok")
        response.headers["Vary"] = "Accept-Encoding"
        return response

    client = app.test_client()
    client.get("/_test/vary")  # sets the cookie
    response = client.get("/_test/vary")  # unchanged session: no cookie, but it varies on it
    assert "Set-Cookie" not in response.headers
    assert response.headers.getlist("Vary") == ["Accept-Encoding, Cookie"]
