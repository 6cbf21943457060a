""""Keep me signed in on this phone": a persistent session cookie only when ticked, ended like
any other session (log-out, password change, disabling, the absolute lifetime)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from tests.factories import PASSWORD, MembershipFactory, UserFactory
from training_portal.accounts import services
from training_portal.accounts.models import User
from training_portal.accounts.sessions import LOGIN_AT, SEEN_AT
from training_portal.extensions import db

EMAIL = "sam@example.org"
LABEL = "Keep me signed in on this phone"


def _login(client, remember: bool, password: str = PASSWORD):
    data = {"email": EMAIL, "password": password, **({"remember": "y"} if remember else {})}
    return client.post("/login", data=data)


def _session_cookie(response) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def _expires(cookie: str) -> datetime | None:
    found = re.search(r"Expires=([^;]+)", cookie)
    return parsedate_to_datetime(found.group(1)) if found else None


def _lasts_about(cookie: str, days: int) -> bool:
    expires = _expires(cookie)
    expected = datetime.now(UTC) + timedelta(days=days)
    return expires is not None and abs(expires - expected) < timedelta(minutes=5)


def _user(app, **fields) -> int:
    with app.app_context():
        return UserFactory(email=EMAIL, **fields).id


def _copy(app, client):
    """Another device holding a copy of this client's cookie (a stolen or a second phone)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_the_box_is_there_unticked_and_labelled(client):
    page = client.get("/login").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="remember"[^>]*>', page).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    box_id = re.search(r'id="([^"]+)"', box).group(1)
    assert f'<label for="{box_id}">{LABEL}</label>' in page
    hint = re.search(r'aria-describedby="([^"]+)"', box).group(1)
    assert f'id="{hint}"' in page and "up to 30 days" in page


def test_unticked_the_cookie_ends_with_the_browser(app, client):
    _user(app)
    response = _login(client, remember=False)
    assert response.status_code == 302
    cookie = _session_cookie(response)
    assert "Expires=" not in cookie and "Max-Age=" not in cookie


def test_ticked_the_cookie_lasts_30_days(app, client):
    _user(app)
    response = _login(client, remember=True)
    assert response.status_code == 302
    assert _lasts_about(_session_cookie(response), 30)
    assert client.get("/account").status_code == 200
    assert client.get_cookie("remember_token") is None  # one cookie, one way to end it


def test_the_lifetime_follows_session_max_age_days(make_app, monkeypatch):
    monkeypatch.setenv("SESSION_MAX_AGE_DAYS", "7")
    app = make_app()
    _user(app)
    assert _lasts_about(_session_cookie(_login(app.test_client(), remember=True)), 7)


def test_a_wrong_password_sets_no_lasting_cookie(app, client):
    _user(app)
    response = _login(client, remember=True, password="not-the-password")
    assert response.status_code == 200
    assert not any("Expires=" in c for c in response.headers.getlist("Set-Cookie"))


def test_emailed_sign_in_link_offers_the_same_choice(app):
    user_id = _user(app)
    for remember in (True, False):
        with app.app_context():
            token = services.issue_token(db.session.get(User, user_id), services.PURPOSE_LOGIN, 15)
            db.session.commit()
        client = app.test_client()
        page = client.get(f"/login/link/{token}").get_data(as_text=True)
        assert LABEL in page and re.search(r'<input[^>]*name="remember"[^>]*checked', page) is None
        response = client.post(f"/login/link/{token}", data={"remember": "y"} if remember else {})
        assert response.status_code == 302
        assert ("Expires=" in _session_cookie(response)) is remember


def test_a_kept_session_is_not_rewritten_on_every_page(app, client):
    _user(app)
    _login(client, remember=True)
    client.get("/account")
    assert client.get("/account").headers.getlist("Set-Cookie") == []


def test_log_out_ends_a_kept_session(app, client):
    _user(app)
    _login(client, remember=True)
    phone = _copy(app, client)
    assert phone.get("/account").status_code == 200
    client.post("/logout")
    assert phone.get("/account").status_code == 302


def test_password_change_elsewhere_ends_a_kept_session(app):
    _user(app)
    phone, laptop = app.test_client(), app.test_client()
    _login(phone, remember=True)
    _login(laptop, remember=False)
    response = laptop.post("/account/password", data={
        "password-current_password": PASSWORD, "password-password": "a-brand-new-password",
        "password-confirm": "a-brand-new-password"})
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_password_change_on_the_kept_phone_keeps_it_signed_in(app):
    _user(app)
    phone = app.test_client()
    _login(phone, remember=True)
    response = phone.post("/account/password", data={
        "password-current_password": PASSWORD, "password-password": "a-brand-new-password",
        "password-confirm": "a-brand-new-password"})
    assert response.status_code == 302 and _lasts_about(_session_cookie(response), 30)
    assert phone.get("/account").status_code == 200


def test_disabling_the_account_ends_a_kept_session(app, client):
    user_id = _user(app)
    _login(client, remember=True)
    with app.app_context():
        services.set_disabled(db.session.get(User, user_id), True)
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_a_kept_session_still_ends_at_the_absolute_lifetime(app, client):
    _user(app)
    _login(client, remember=True)
    with client.session_transaction() as session:
        session[LOGIN_AT] = int(time.time()) - 31 * 86400
    assert client.get("/account").status_code == 302


def _idle(client, days: float) -> None:
    with client.session_transaction() as session:
        session[LOGIN_AT] = session[SEEN_AT] = int(time.time() - days * 86400)


def test_staff_on_a_kept_phone_stay_signed_in_for_days_unused(make_app):
    app = make_app(MANAGER_IDLE_MINUTES=120)
    _user(app)
    client = app.test_client()
    _login(client, remember=True)
    _idle(client, days=6)
    assert client.get("/account").status_code == 200


def test_a_kept_managers_session_still_ends_when_idle(make_app):
    app = make_app(MANAGER_IDLE_MINUTES=120)
    with app.app_context():
        MembershipFactory(user=UserFactory(email=EMAIL), manager=True)
    client = app.test_client()
    _login(client, remember=True)
    _idle(client, days=1 / 12 + 0.01)  # a little over two hours
    assert client.get("/account").status_code == 302


def test_csrf_still_guards_the_log_in_form(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    _user(app)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    refused = _login(client, remember=True)
    assert refused.status_code == 400
    assert not any("Expires=" in c for c in refused.headers.getlist("Set-Cookie"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                           "remember": "y", "csrf_token": token})
    assert response.status_code == 302 and _lasts_about(_session_cookie(response), 30)
