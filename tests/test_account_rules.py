"""Account rules at their edges: a link's lifetime to the microsecond, roles, disabling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.factories import UserFactory
from training_portal.accounts import services
from training_portal.accounts.models import AuthToken
from training_portal.extensions import db

ISSUED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(services, "utcnow", lambda: moment)


def test_a_link_works_until_its_last_microsecond_and_not_at_its_expiry_moment(app, monkeypatch):
    with app.app_context():
        user = UserFactory()
        _at(monkeypatch, ISSUED)
        raw = services.issue_token(user, services.PURPOSE_LOGIN, minutes=30)
        token = db.session.scalar(select(AuthToken))
        assert token.expires_at == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
        _at(monkeypatch, datetime(2026, 3, 1, 12, 30, tzinfo=UTC))
        assert services.peek_token(raw, services.PURPOSE_LOGIN) is None
        assert services.consume_token(raw, services.PURPOSE_LOGIN) is None
        _at(monkeypatch, datetime(2026, 3, 1, 12, 29, 59, 999999, tzinfo=UTC))
        assert services.peek_token(raw, services.PURPOSE_LOGIN) == user
        assert services.consume_token(raw, services.PURPOSE_LOGIN) == user
        db.session.expire_all()
        assert db.session.scalar(select(AuthToken)).used_at == datetime(
            2026, 3, 1, 12, 29, 59, 999999, tzinfo=UTC)
        assert services.consume_token(raw, services.PURPOSE_LOGIN) is None  # spent
        assert services.peek_token(raw, services.PURPOSE_LOGIN) is None


def test_a_link_of_a_disabled_account_does_nothing(app):
    with app.app_context():
        user = UserFactory()
        raw = services.issue_token(user, services.PURPOSE_RESET, minutes=30)
        user.is_disabled = True
        assert services.peek_token(raw, services.PURPOSE_RESET) is None
        assert services.consume_token(raw, services.PURPOSE_RESET) is None
        assert db.session.scalar(select(AuthToken)).used_at is None
        assert services.peek_token("not-a-link", services.PURPOSE_RESET) is None
