"""Account rules at their edges: a link's lifetime to the microsecond, roles, disabling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from tests.conftest import login_client
from tests.factories import PASSWORD, UserFactory
from training_portal.accounts import services
from training_portal.accounts.models import AuthToken, User
from training_portal.accounts.session_checks import RecentChecks
from training_portal.audit import AuditEvent
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


def _trail(user_id: int) -> list[tuple]:
    return [(e.actor_id, e.action, e.target_type, e.target_id, e.detail) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_id == user_id).order_by(AuditEvent.id))]


def test_roles_and_disabling_are_recorded_and_only_disabling_ends_sessions(app):
    with app.app_context():
        user = UserFactory(session_version=4)
        services.set_role(user, "admin", True)
        services.set_role(user, "trainer", True)
        services.set_role(user, "admin", False)
        assert (user.is_admin, user.is_trainer) == (False, True)
        with pytest.raises(services.AccountError, match=r"^Unknown role 'owner': use one of trainer, admin\.$"):
            services.set_role(user, "owner", True)
        services.set_disabled(user, True)
        assert user.is_disabled and user.session_version == 5
        services.set_disabled(user, False)
        assert not user.is_disabled and user.session_version == 5
        assert _trail(user.id) == [
            (None, "role.granted", "user", user.id, {"role": "admin"}),
            (None, "role.granted", "user", user.id, {"role": "trainer"}),
            (None, "role.revoked", "user", user.id, {"role": "admin"}),
            (None, "account.disabled", "user", user.id, {}),
            (None, "account.enabled", "user", user.id, {}),
        ]


def test_registering_and_password_changes_are_recorded_by_the_person(app):
    with app.app_context():
        user = services.register("  Ann Lee ", " Ann@Example.org ", "a-long-password", "  A. Lee ")
        assert (user.name, user.email, user.printed_name) == ("Ann Lee", "ann@example.org", "A. Lee")
        version = user.session_version
        services.change_password(user, "a-long-password", "another-long-password")
        assert user.session_version == version + 1
        assert services.authenticate("ann@example.org", "another-long-password") == user
        assert services.authenticate("ann@example.org", "a-long-password") is None
        assert _trail(user.id) == [(user.id, "account.registered", "user", user.id, {}),
                                   (user.id, "account.password_changed", "user", user.id, {})]
        with pytest.raises(services.EmailTaken) as taken:
            services.register("Ann Two", "ANN@example.org", "a-long-password")
        assert str(taken.value) == ("An account with this email address already exists. "
                                    "Log in, or ask for a sign-in link.")


class _FrozenClock:
    def __call__(self) -> float:
        return 100.0


def test_in_the_worker_that_makes_them_changes_show_at_once_despite_remembered_checks(app):
    """The clock never moves, so only forgetting the remembered checks shows these changes."""
    app.extensions["session_checks"] = RecentChecks(2, clock=_FrozenClock())
    with app.app_context():
        user = UserFactory(email="sam@example.org")
    client, thief = login_client(app, user), login_client(app, user)
    assert "Now: sam@example.org" in client.get("/account").get_data(as_text=True)
    assert thief.get("/account").status_code == 200
    client.post("/account/email", data={"email-email": "new@example.org",
                                        "email-current_password": PASSWORD})
    assert "Now: new@example.org" in client.get("/account").get_data(as_text=True)
    assert thief.get("/account").status_code == 200  # an email change ends no session
    client.post("/account/name", data={"profile-name": "Sam Newname"})
    assert "Sam Newname" in client.get("/account").get_data(as_text=True)
    client.post("/account/password", data={"password-current_password": PASSWORD,
        "password-password": "a-brand-new-password", "password-confirm": "a-brand-new-password"})
    assert thief.get("/account").status_code == 302


def test_changing_email_needs_the_password_and_a_free_address_and_is_recorded(app):
    with app.app_context():
        user = UserFactory(email="sam@example.org")
        UserFactory(email="other@example.org")
        with pytest.raises(services.WrongPassword) as wrong:
            services.change_email(user, "not-my-password", "new@example.org")
        assert str(wrong.value) == "Your current password is not right."
        with pytest.raises(services.WrongPassword) as wrong:
            services.change_password(user, "not-my-password", "another-long-password")
        assert str(wrong.value) == "Your current password is not right."
        with pytest.raises(services.EmailTaken) as taken:
            services.change_email(user, PASSWORD, " Other@Example.org ")
        assert str(taken.value) == "That email address is already used by another account."
        services.change_email(user, PASSWORD, " Sam@Example.org ")  # their own, in another case
        services.change_email(user, PASSWORD, " New@Example.org ")
        assert user.email == "new@example.org"
        assert _trail(user.id)[-2:] == [
            (user.id, "account.email_changed", "user", user.id, {"old": "sam@example.org"}),
            (user.id, "account.email_changed", "user", user.id, {"old": "sam@example.org"}),
        ]


def test_spending_one_link_leaves_everyone_elses_links_usable(app):
    with app.app_context():
        sam, ann = UserFactory(), UserFactory()
        sams = services.issue_token(sam, services.PURPOSE_LOGIN, minutes=30)
        anns = services.issue_token(ann, services.PURPOSE_LOGIN, minutes=30)
        assert services.consume_token(sams, services.PURPOSE_LOGIN) == sam
        assert services.consume_token(anns, services.PURPOSE_LOGIN) == ann


@pytest.mark.parametrize(
    ("column", "value"),
    [("used_at", datetime(2026, 3, 1, 12, 10, tzinfo=UTC)),  # spent by a racing request
     ("expires_at", datetime(2026, 3, 1, 12, 10, tzinfo=UTC)),  # cut short meanwhile
     ("expires_at", datetime(2026, 3, 1, 12, 9, tzinfo=UTC))],
)
def test_a_link_changed_by_another_request_after_it_was_looked_at_is_not_spent_again(
        app, monkeypatch, column, value):
    """The conditional UPDATE decides: this request's loaded copy still looks usable."""
    with app.app_context():
        user = UserFactory()
        _at(monkeypatch, ISSUED)
        raw = services.issue_token(user, services.PURPOSE_LOGIN, minutes=30)
        loaded = db.session.scalar(select(AuthToken))
        db.session.execute(update(AuthToken).where(AuthToken.id == loaded.id)
                           .values({column: value}).execution_options(synchronize_session=False))
        _at(monkeypatch, datetime(2026, 3, 1, 12, 10, tzinfo=UTC))
        assert services.peek_token(raw, services.PURPOSE_LOGIN) == user  # the stale copy
        assert services.consume_token(raw, services.PURPOSE_LOGIN) is None


def test_a_name_change_says_whether_anything_changed_and_records_what_did(app):
    with app.app_context():
        user = UserFactory(name="Ann Lee", printed_name=None)
        assert services.change_name(user, " Ann Lee ", "  ") is False
        assert services.change_name(user, "Ann Lee", "A. Lee") is True
        assert services.change_name(user, "Ann Lee", "A. Lee") is False
        assert services.change_name(user, "Ann Smith", "A. Lee") is True
        assert _trail(user.id) == [
            (user.id, "account.name_changed", "user", user.id,
             {"old": "Ann Lee", "new": "Ann Lee", "old_printed": None, "new_printed": "A. Lee"}),
            (user.id, "account.name_changed", "user", user.id, {"old": "Ann Lee", "new": "Ann Smith"}),
        ]


def test_disabling_an_account_in_this_worker_ends_its_sessions_at_once(app):
    app.extensions["session_checks"] = RecentChecks(2, clock=_FrozenClock())
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    assert client.get("/account").status_code == 200
    with app.app_context():
        services.set_disabled(db.session.get(User, user.id), True)
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_logging_in_records_when(app, client, monkeypatch):
    with app.app_context():
        user = UserFactory(email="sam@example.org")
    _at(monkeypatch, ISSUED)
    assert client.post("/login", data={"email": "sam@example.org", "password": PASSWORD}).status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).last_login_at == ISSUED
