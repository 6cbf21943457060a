from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import login_client, outbox
from tests.factories import PASSWORD, UserFactory
from training_portal.accounts import services
from training_portal.accounts.models import AuthToken, User
from training_portal.db import utcnow
from training_portal.extensions import db


def _user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _login(client, email: str, password: str = PASSWORD, next_: str | None = None):
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"email": email, "password": password})


def test_register_creates_account_and_signs_in(app, client):
    response = client.post("/register", data={
        "name": "Zoë Łukasiewicz", "email": "Zoe@Example.org", "password": "a-long-password"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert "Zoë Łukasiewicz" in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = services.find_user_by_email("zoe@example.org")
        assert user is not None and user.password_hash.startswith("$argon2id$")


def test_register_rejects_bad_input_and_writes_nothing(app, client):
    cases = [
        ({"name": "x" * 10_000, "email": "a@example.org", "password": "a-long-password"},
         "120 characters or fewer"),
        ({"name": "Ann", "email": "ann@", "password": "a-long-password"}, "like name@example.com"),
        ({"name": "Ann\x00\x07", "email": "ann@example.org", "password": "a-long-password"},
         "control characters"),
        ({"name": "", "email": "ann@example.org", "password": "a-long-password"}, "Enter your name"),
        ({"name": "Ann", "email": "ann@example.org", "password": "short"}, "between 10 and 200"),
    ]
    for data, message in cases:
        response = client.post("/register", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and message in page, message
        assert 'value="a-long-password"' not in page  # never echo passwords
    assert _user_count(app) == 0


def test_register_keeps_input_after_an_error(client):
    page = client.post("/register", data={
        "name": "Ann Example", "email": "ann@", "password": "a-long-password"}).get_data(True)
    assert 'value="Ann Example"' in page


def test_register_twice_with_same_email_is_refused(app, client):
    with app.app_context():
        UserFactory(email="taken@example.org")
    response = client.post("/register", data={
        "name": "Other", "email": "TAKEN@example.org", "password": "a-long-password"})
    assert "already exists" in response.get_data(as_text=True)
    assert _user_count(app) == 1


def test_login_and_wrong_password_give_no_hint_which_was_wrong(app, client):
    with app.app_context():
        UserFactory(email="sam@example.org")
    wrong = _login(client, "sam@example.org", "wrong-password").get_data(as_text=True)
    unknown = _login(client, "nobody@example.org", "wrong-password").get_data(as_text=True)
    assert "do not match" in wrong and "do not match" in unknown
    assert _login(client, "SAM@example.org").status_code == 302


def test_disabled_account_cannot_log_in(app, client):
    with app.app_context():
        UserFactory(email="off@example.org", is_disabled=True)
    response = _login(client, "off@example.org")
    assert response.status_code == 200
    assert "do not match" in response.get_data(as_text=True)  # the same answer as a wrong password
    account = client.get("/account")
    assert account.status_code == 302 and account.headers["Location"].startswith("/login")
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_next_redirect_stays_on_site(app, client):
    with app.app_context():
        UserFactory(email="sam@example.org")
    for bad in ("https://evil.example", "//evil.example", "/\\evil.example"):
        response = _login(client, "sam@example.org", next_=bad)
        assert response.headers["Location"] == "/", bad
    response = _login(client, "sam@example.org", next_="/venues")
    assert response.headers["Location"] == "/venues"


def test_login_gives_a_new_session_identity(app, client):
    with app.app_context():
        UserFactory(email="sam@example.org")
    with client.session_transaction() as session:
        session["sid"] = "planted-by-attacker"
    _login(client, "sam@example.org")
    with client.session_transaction() as session:
        assert session["sid"] != "planted-by-attacker"


def test_login_starts_from_an_empty_session(app, client):
    """Nothing planted in the session before log-in survives it (session fixation)."""
    with app.app_context():
        UserFactory(email="sam@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    assert _login(client, "sam@example.org").status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["sid"] and session["_user_id"]


def test_copied_cookie_is_refused_after_logout(app, client):
    with app.app_context():
        UserFactory(email="sam@example.org")
    _login(client, "sam@example.org")
    copied = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account").status_code == 302  # sent to log in


def test_copied_cookie_is_refused_after_password_change(app, client):
    with app.app_context():
        UserFactory(email="sam@example.org")
    _login(client, "sam@example.org")
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/account").status_code == 200
    response = client.post("/account/password", data={"password-current_password": PASSWORD,
        "password-password": "a-brand-new-password", "password-confirm": "a-brand-new-password"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this session carries on
    assert thief.get("/account").status_code == 302


def test_disabling_an_account_ends_its_sessions(app):
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    assert client.get("/account").status_code == 200
    with app.app_context():
        services.set_disabled(db.session.get(User, user.id), True)
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_password_change_needs_current_password(app):
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    page = client.post("/account/password", data={"password-current_password": "not-my-password",
        "password-password": "a-brand-new-password", "password-confirm": "a-brand-new-password",
    }).get_data(as_text=True)
    assert "current password is not right" in page


def test_change_name_and_email(app):
    with app.app_context():
        user = UserFactory()
        UserFactory(email="other@example.org")
    client = login_client(app, user)
    client.post("/account/name", data={"profile-name": "New Name"})
    taken = client.post("/account/email", data={
        "email-email": "other@example.org",
        "email-current_password": PASSWORD}).get_data(as_text=True)
    assert "already used" in taken
    client.post("/account/email", data={"email-email": "new@example.org",
                                  "email-current_password": PASSWORD})
    with app.app_context():
        fresh = db.session.get(User, user.id)
        assert (fresh.name, fresh.email) == ("New Name", "new@example.org")


def _link_from_last_mail(app) -> str:
    body = outbox(app)[-1].get_content()
    return next(w for w in body.split() if w.startswith("https://training.example.org/"))


def test_password_reset_link_works_once(app, client):
    with app.app_context():
        UserFactory(email="sam@example.org")
    page = client.post("/reset", data={"email": "sam@example.org"}).get_data(as_text=True)
    assert "If an account uses" in page
    path = _link_from_last_mail(app).removeprefix("https://training.example.org")
    assert client.get(path).status_code == 200
    data = {"password": "my-new-password-1", "confirm": "my-new-password-1"}
    assert client.post(path, data=data).status_code == 302
    assert client.post(path, data=data).status_code == 400
    client.post("/logout")
    assert _login(client, "sam@example.org", "my-new-password-1").status_code == 302


def test_reset_for_unknown_email_looks_the_same_and_sends_nothing(app, client):
    page = client.post("/reset", data={"email": "nobody@example.org"}).get_data(as_text=True)
    assert "If an account uses" in page
    assert outbox(app) == []


def test_expired_reset_link_is_refused(app, client):
    with app.app_context():
        user = UserFactory()
        raw = services.issue_token(user, services.PURPOSE_RESET, minutes=30)
        token = db.session.scalar(select(AuthToken))
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(f"/reset/{raw}").status_code == 400


def test_emailed_sign_in_link_works_once_and_keeps_next(app, client):
    with app.app_context():
        UserFactory(email="sam@example.org")
    client.post("/login/link?next=/venues", data={"email": "sam@example.org"})
    path = _link_from_last_mail(app).removeprefix("https://training.example.org")
    assert client.get(path).status_code == 200  # a mail scanner's GET spends nothing
    response = client.post(path)
    assert response.headers["Location"] == "/venues"
    assert client.get("/account").status_code == 200
    assert app.test_client().post(path).status_code == 400


def test_expired_sign_in_link_is_refused(app, client):
    with app.app_context():
        user = UserFactory()
        raw = services.issue_token(user, services.PURPOSE_LOGIN, minutes=15)
        db.session.scalar(select(AuthToken)).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.post(f"/login/link/{raw}").status_code == 400


def test_login_is_throttled(make_app):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [_login(client, "x@example.org", "wrong-password").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Too many tries" in _login(client, "x@example.org").get_data(as_text=True)


def test_reset_request_is_throttled(make_app):
    app = make_app(EMAIL_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.post("/reset", data={"email": "a@example.org"}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_login_throttle_is_per_account_so_colleagues_on_one_wifi_can_log_in(make_app):
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    with app.app_context():
        UserFactory(email="colleague@example.org")
    client = app.test_client()
    for _ in range(2):
        _login(client, "victim@example.org", "wrong-password")
    assert _login(client, "victim@example.org", "wrong-password").status_code == 429
    assert _login(client, "colleague@example.org").status_code == 302


def test_login_has_a_per_address_limit_too(make_app):
    app = make_app(LOGIN_IP_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [_login(client, f"p{n}@example.org", "wrong-password").status_code
                for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_registration_is_throttled_per_address(make_app):
    app = make_app(REGISTER_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.post("/register", data={"name": "A", "email": "bad"}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_behind_a_proxy_limits_use_the_client_address(make_app):
    app = make_app(LOGIN_IP_RATE_LIMIT="2 per minute", PROXY_COUNT=1)
    client = app.test_client()

    def attempt(address: str) -> int:
        return client.post("/login", data={"email": f"{address}@example.org", "password": "x"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("10.0.0.1") for _ in range(3)] == [200, 200, 429]
    assert attempt("10.0.0.2") == 200


def _token(app, purpose: str, email: str = "sam@example.org") -> str:
    with app.app_context():
        user = UserFactory(email=email)
        raw = services.issue_token(user, purpose, minutes=30)
        db.session.commit()
    return raw


def test_a_password_reset_link_is_not_a_sign_in_link(app, client):
    raw = _token(app, services.PURPOSE_RESET)
    assert client.get(f"/login/link/{raw}").status_code == 400
    assert client.post(f"/login/link/{raw}").status_code == 400
    assert client.get("/account").status_code == 302  # still signed out
    with app.app_context():
        assert services.consume_token(raw, services.PURPOSE_LOGIN) is None
        assert db.session.scalar(select(AuthToken)).used_at is None
    assert client.get(f"/reset/{raw}").status_code == 200  # it still works for what it is for


def test_a_sign_in_link_cannot_reset_a_password(app, client):
    raw = _token(app, services.PURPOSE_LOGIN)
    data = {"password": "my-new-password-1", "confirm": "my-new-password-1"}
    assert client.get(f"/reset/{raw}").status_code == 400
    assert client.post(f"/reset/{raw}", data=data).status_code == 400
    assert client.get("/account").status_code == 302
    with app.app_context():
        assert services.consume_token(raw, services.PURPOSE_RESET) is None
        assert db.session.scalar(select(AuthToken)).used_at is None
    assert _login(client, "sam@example.org", "my-new-password-1").status_code == 200  # unchanged
    assert _login(client, "sam@example.org").status_code == 302
