"""Test set-up: a fresh app per test on one migrated database, emptied after every test.

The database is SQLite in a temporary folder unless ``DATABASE_URL`` points elsewhere
(CI runs the suite again on PostgreSQL). Tests commit for real, so two connections can race.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_login import FlaskLoginClient

from training_portal import create_app, reads
from training_portal.extensions import db, limiter

TESTS_DIR = Path(__file__).resolve().parent
TEST_CONTENT_DIR = TESTS_DIR / "content" / "valid"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}")
    app = create_app(_overrides(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        if not url.startswith("sqlite"):
            downgrade(revision="base")
        upgrade()
    reads.dispose_pools(app)
    return url


def _overrides(url: str, tmp: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "memory",
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "PASSWORD_HASH_FAST": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("TEST_RATELIMIT_STORAGE_URI", "memory://"),
        "CONTENT_DIR": str(TEST_CONTENT_DIR),
        "SITE_URL": "https://training.example.org",
        "QUIZ_RETRY_PAUSE_SECONDS": 0,
        # Checked on every request: SQL statement counts must not depend on how slow the machine is.
        "SESSION_CHECK_SECONDS": 0,
    }


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """Build an app with extra settings; every app made is cleaned up after the test."""
    made: list[Flask] = []

    def build(**extra: Any) -> Flask:
        app = create_app({**_overrides(database_url, tmp_path), **extra})
        app.test_client_class = FlaskLoginClient
        made.append(app)
        with app.app_context():
            limiter.reset()
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.rollback()
            _empty_all_tables()
            limiter.reset()
        reads.dispose_pools(app)


def _empty_all_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


def login_client(app: Flask, user: Any) -> Any:
    """A test client already signed in as ``user`` (through Flask-Login's test client)."""
    return app.test_client(user=user)


def outbox(app: Flask) -> list[Any]:
    return app.extensions.get("mail_outbox", [])
