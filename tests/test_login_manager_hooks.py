"""Flask-Login's session identifier, remembered per address and browser
(``extensions.RememberedSessionIdentifiers``), is exactly the one Flask-Login makes."""

from __future__ import annotations

from typing import Any

import pytest
from flask_login import LoginManager
from flask_login.utils import _create_identifier

from tests.factories import PASSWORD, UserFactory
from training_portal.extensions import RememberedSessionIdentifiers, login_manager

CLIENTS = [
    {},
    {"User-Agent": "phone"},
    {"User-Agent": "laptop"},
    {"User-Agent": "phone", "X-Forwarded-For": "203.0.113.9"},
    {"User-Agent": "phone", "X-Forwarded-For": "203.0.113.9, 10.0.0.1"},
    {"User-Agent": "phone", "X-Forwarded-For": "198.51.100.4"},
]


def test_flask_login_still_asks_the_attribute_we_replace() -> None:
    assert "_session_identifier_generator" in vars(LoginManager())  # fails loudly on an upgrade
    assert isinstance(login_manager._session_identifier_generator, RememberedSessionIdentifiers)


@pytest.mark.parametrize("address", ["127.0.0.1", "192.0.2.1"])
def test_each_client_gets_flask_logins_own_identifier_first_time_and_after(app: Any, address: str) -> None:
    remembered = RememberedSessionIdentifiers(_create_identifier)
    for _ in range(2):  # computed, then remembered
        for headers in CLIENTS:
            with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": address}):
                assert remembered() == _create_identifier(), headers
    assert len(remembered) == len(CLIENTS)


def test_the_remembered_identifiers_are_bounded(app: Any) -> None:
    remembered = RememberedSessionIdentifiers(_create_identifier, max_entries=2)
    for headers in CLIENTS:
        with app.test_request_context(headers=headers):
            assert remembered() == _create_identifier()
        assert len(remembered) <= 2


def test_a_session_taken_to_another_browser_is_no_longer_fresh(app: Any) -> None:
    """Flask-Login's basic session protection, as before: the session stays, marked not fresh."""
    with app.app_context():
        UserFactory(email="sam@example.org")
    client = app.test_client()
    client.post("/login", data={"email": "sam@example.org", "password": PASSWORD},
                headers={"User-Agent": "phone"})
    assert client.get("/account", headers={"User-Agent": "phone"}).status_code == 200
    with client.session_transaction() as session:
        assert session["_fresh"] is True
    assert client.get("/account", headers={"User-Agent": "someone else's laptop"}).status_code == 200
    with client.session_transaction() as session:
        assert session["_fresh"] is False
