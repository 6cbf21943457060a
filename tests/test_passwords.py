"""Argon2id parameters (OWASP's minimum by default, a floor in production) and rehash on log-in."""

from __future__ import annotations

import logging

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests.factories import PASSWORD, UserFactory
from training_portal import create_app
from training_portal.accounts.models import User
from training_portal.accounts.passwords import meets_owasp_minimum, verify_password
from training_portal.audit import AuditEvent
from training_portal.config import ConfigError, from_environment
from training_portal.extensions import db

#: argon2-cffi's PasswordHasher() defaults: what the portal stored before issue 11.
OLD_HASHER = PasswordHasher(memory_cost=65536, time_cost=3, parallelism=4)
NEW_PARAMETERS = "m=19456,t=2,p=1"


def _parameters(password_hash: str) -> str:
    return password_hash.split("$")[3]


def _stored_hash(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.email == email))


def _login(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def real_app(make_app):
    """The portal with its real default hashing (no test-only fast hasher)."""
    return make_app(PASSWORD_HASH_FAST=False)


@pytest.fixture
def old_hash() -> str:
    return OLD_HASHER.hash(PASSWORD)


def test_defaults_are_owasps_minimum_for_argon2id(tmp_path):
    config = from_environment(str(tmp_path), env={})
    assert (config["PASSWORD_HASH_MEMORY_KIB"], config["PASSWORD_HASH_TIME_COST"],
            config["PASSWORD_HASH_PARALLELISM"]) == (19456, 2, 1)


def test_parameters_come_from_the_environment(tmp_path):
    config = from_environment(str(tmp_path), env={
        "PASSWORD_HASH_MEMORY_KIB": "47104", "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_PARALLELISM": "2"})
    assert (config["PASSWORD_HASH_MEMORY_KIB"], config["PASSWORD_HASH_TIME_COST"],
            config["PASSWORD_HASH_PARALLELISM"]) == (47104, 1, 2)


def test_new_hashes_use_the_configured_parameters(real_app, client):
    client = real_app.test_client()
    client.post("/register", data={"name": "Ann", "email": "ann@example.org",
                                   "password": "a-long-password"})
    stored = _stored_hash(real_app, "ann@example.org")
    assert stored.startswith("$argon2id$v=19$") and _parameters(stored) == NEW_PARAMETERS


@pytest.mark.parametrize(("m", "t", "p", "strong_enough"), [
    (19456, 2, 1, True), (47104, 1, 1, True), (12288, 3, 1, True), (9216, 4, 1, True),
    (7168, 5, 1, True), (65536, 3, 4, True),
    (19455, 2, 1, False), (19456, 1, 1, False), (47103, 1, 1, False), (7167, 5, 1, False),
    (1024, 1, 1, False), (19456, 2, 0, False),
])
def test_owasp_floor(m, t, p, strong_enough):
    assert meets_owasp_minimum(m, t, p) is strong_enough


def _production(tmp_path, **settings):
    return create_app({"PORTAL_ENV": "production", "SECRET_KEY": "k" * 64,
                       "MAIL_BACKEND": "smtp", "MAIL_SERVER": "smtp.example.org",
                       "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/11",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3", **settings})


def test_production_refuses_parameters_below_owasps_minimum(tmp_path):
    with pytest.raises(ConfigError, match="below OWASP"):
        _production(tmp_path, PASSWORD_HASH_MEMORY_KIB=16384)
    with pytest.raises(ConfigError, match="below OWASP"):
        _production(tmp_path, PASSWORD_HASH_TIME_COST=1)
    with pytest.raises(ConfigError, match="tests only"):
        _production(tmp_path, PASSWORD_HASH_FAST=True)
    assert _production(tmp_path, PASSWORD_HASH_MEMORY_KIB=47104, PASSWORD_HASH_TIME_COST=1)
    assert _production(tmp_path)  # the defaults


def test_development_may_use_cheaper_parameters(make_app):
    app = make_app(PASSWORD_HASH_FAST=False, PASSWORD_HASH_MEMORY_KIB=1024,
                   PASSWORD_HASH_TIME_COST=1)
    client = app.test_client()
    client.post("/register", data={"name": "Ann", "email": "ann@example.org",
                                   "password": "a-long-password"})
    assert _parameters(_stored_hash(app, "ann@example.org")) == "m=1024,t=1,p=1"


def test_log_in_with_an_old_hash_stores_a_new_one_that_still_verifies(real_app, old_hash):
    with real_app.app_context():
        UserFactory(email="sam@example.org", password_hash=old_hash)
    client = real_app.test_client()
    assert _login(client, "sam@example.org").status_code == 302
    stored = _stored_hash(real_app, "sam@example.org")  # committed: read in a new context
    assert _parameters(old_hash) == "m=65536,t=3,p=4"
    assert _parameters(stored) == NEW_PARAMETERS
    with real_app.app_context():
        assert verify_password(stored, PASSWORD)
        assert not verify_password(stored, "not-the-password")
    assert _login(real_app.test_client(), "sam@example.org").status_code == 302


def test_the_rehash_is_audited_without_the_hash_or_the_password(real_app, old_hash, caplog):
    caplog.set_level(logging.DEBUG)
    with real_app.app_context():
        user = UserFactory(email="sam@example.org", password_hash=old_hash)
    _login(real_app.test_client(), "sam@example.org")
    stored = _stored_hash(real_app, "sam@example.org")
    with real_app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "account.password_rehashed")).all()
        assert (event.actor_id, event.target_id) == (user.id, user.id)
        assert event.detail == {"parameters": NEW_PARAMETERS}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "account.password_rehashed" in logged
    for secret in (PASSWORD, stored.split("$")[-1], old_hash.split("$")[-1]):
        assert secret not in logged


def test_a_wrong_password_never_rehashes(real_app, old_hash):
    with real_app.app_context():
        UserFactory(email="sam@example.org", password_hash=old_hash)
    response = _login(real_app.test_client(), "sam@example.org", "not-the-password")
    assert "do not match" in response.get_data(as_text=True)
    assert _stored_hash(real_app, "sam@example.org") == old_hash


def test_a_disabled_account_is_not_rehashed(real_app, old_hash):
    with real_app.app_context():
        UserFactory(email="off@example.org", password_hash=old_hash, is_disabled=True)
    _login(real_app.test_client(), "off@example.org")
    assert _stored_hash(real_app, "off@example.org") == old_hash


def test_a_current_hash_is_left_alone(real_app):
    with real_app.app_context():
        current = PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1).hash(PASSWORD)
        UserFactory(email="sam@example.org", password_hash=current)
    assert _login(real_app.test_client(), "sam@example.org").status_code == 302
    assert _stored_hash(real_app, "sam@example.org") == current  # a new hash would have a new salt
    with real_app.app_context():
        assert db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "account.password_rehashed")).all() == []
