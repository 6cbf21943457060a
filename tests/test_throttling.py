"""Log-in throttling per account across addresses; every 429 says when to retry; joining is limited."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import outbox
from tests.factories import PASSWORD, UserFactory, VenueFactory


def _login(client: Any, email: str, password: str, address: str) -> Any:
    return client.post("/login", data={"email": email, "password": password},
                       headers={"X-Forwarded-For": address})


def test_guessing_one_password_from_many_addresses_is_throttled(make_app: Any) -> None:
    app = make_app(PROXY_COUNT=1, LOGIN_ACCOUNT_FAILURE_LIMIT="20 per hour")
    with app.app_context():
        UserFactory(email="victim@example.org")
        UserFactory(email="colleague@example.org")
    client = app.test_client()
    statuses = [_login(client, "victim@example.org", f"guess-{n}", f"203.0.113.{n}").status_code
                for n in range(20)]
    assert statuses == [200] * 20  # each address is well inside its own limits
    refused = _login(client, " Victim@Example.org ", PASSWORD, "198.51.100.7")  # even the right password
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600  # a wait, never a permanent lock
    page = refused.get_data(as_text=True)
    assert "too many wrong passwords" in page and 'href="/login/link' in page
    assert client.get("/account").status_code == 302  # not signed in
    # another account on the same addresses is untouched
    assert _login(client, "colleague@example.org", PASSWORD, "203.0.113.1").status_code == 302


def test_the_emailed_sign_in_link_still_works_for_a_throttled_account(make_app: Any) -> None:
    app = make_app(PROXY_COUNT=1, LOGIN_ACCOUNT_FAILURE_LIMIT="3 per hour")
    with app.app_context():
        UserFactory(email="sam@example.org")
    client = app.test_client()
    for n in range(3):
        _login(client, "sam@example.org", "wrong", f"192.0.2.{n}")
    assert _login(client, "sam@example.org", PASSWORD, "192.0.2.9").status_code == 429
    client.post("/login/link", data={"email": "sam@example.org"}, headers={"X-Forwarded-For": "192.0.2.9"})
    link = re.search(r"https://training\.example\.org(/login/link/\S+)", outbox(app)[-1].get_content())
    assert link is not None
    assert client.post(link.group(1)).status_code == 302
    assert client.get("/account").status_code == 200


def test_unknown_addresses_are_throttled_the_same_way(make_app: Any) -> None:
    app = make_app(PROXY_COUNT=1, LOGIN_ACCOUNT_FAILURE_LIMIT="2 per hour")
    client = app.test_client()
    statuses = [_login(client, "nobody@example.org", "x", f"192.0.2.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


def test_successful_log_ins_spend_nothing(make_app: Any) -> None:
    app = make_app(PROXY_COUNT=1, LOGIN_ACCOUNT_FAILURE_LIMIT="2 per hour")
    with app.app_context():
        UserFactory(email="sam@example.org")
    for n in range(4):
        assert _login(app.test_client(), "sam@example.org", PASSWORD, f"192.0.2.{n}").status_code == 302


def test_every_rate_limited_answer_carries_retry_after(make_app: Any) -> None:
    app = make_app(LOGIN_RATE_LIMIT="1 per minute", EMAIL_RATE_LIMIT="1 per minute",
                   REGISTER_RATE_LIMIT="1 per minute", VERIFY_RATE_LIMIT="1 per minute")
    client = app.test_client()
    requests = [
        lambda: client.post("/login", data={"email": "a@example.org", "password": "x"}),
        lambda: client.post("/reset", data={"email": "a@example.org"}),
        lambda: client.post("/login/link", data={"email": "a@example.org"}),
        lambda: client.post("/register", data={"name": "A", "email": "bad"}),
        lambda: client.get("/verify/ABCD-EFGH-JKLM"),
    ]
    for send in requests:
        send()
        response = send()
        assert response.status_code == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 61


def test_joining_is_rate_limited_per_address(make_app: Any) -> None:
    app = make_app(JOIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        venue = VenueFactory()
        code = venue.join_code
    client = app.test_client()
    statuses = [client.get(f"/join/{code}").status_code, client.get("/join").status_code,
                client.get("/join/ZZZZZZZZ").status_code, client.get(f"/join/{code}").status_code,
                client.post("/join", data={"code": code}).status_code]
    assert statuses == [200, 200, 404, 429, 429]
    assert int(client.get("/join").headers["Retry-After"]) >= 1
