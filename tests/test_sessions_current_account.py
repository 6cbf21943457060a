"""``current_account()``: the signed-in person's row, for views that change the account."""

from __future__ import annotations

from typing import Any

import pytest
from flask_login import login_user

from tests.factories import UserFactory
from training_portal.accounts.sessions import SignedInUser, current_account
from training_portal.extensions import db


def _signed_in_as(user: Any) -> None:
    login_user(SignedInUser(id=user.id, name=user.name, email=user.email, is_trainer=False,
                            is_admin=False, session_version=user.session_version))


def test_the_account_is_the_signed_in_persons_row(app: Any) -> None:
    with app.app_context():
        UserFactory(email="other@example.org")
        user = UserFactory(email="me@example.org")
        with app.test_request_context("/account"):
            _signed_in_as(user)
            assert current_account().email == "me@example.org"


def test_an_account_deleted_during_the_request_says_so_in_the_log(app: Any) -> None:
    """The error reaches only the log (as a server error), where it must say what happened."""
    with app.app_context():
        user = UserFactory(email="me@example.org")
        with app.test_request_context("/account"):
            _signed_in_as(user)
            db.session.delete(user)
            db.session.commit()
            with pytest.raises(LookupError) as raised:
                current_account()
    assert str(raised.value) == "the signed-in account no longer exists"
