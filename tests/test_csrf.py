"""CSRF is switched off in most tests; here it is on, as in production."""

from __future__ import annotations

import re

from tests.factories import PASSWORD, UserFactory


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_post_without_csrf_token_is_rejected(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        UserFactory(email="sam@example.org")
    client = app.test_client()
    response = client.post("/login", data={"email": "sam@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "form may have expired" in response.get_data(as_text=True)


def test_real_login_form_with_csrf_token_works(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        UserFactory(email="sam@example.org")
    client = app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={
        "email": "sam@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_logout_needs_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = UserFactory()
    client = app.test_client(user=user)
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200


def test_every_unsafe_method_is_checked_and_safe_ones_are_not(make_app):
    """PortalCSRFProtect asks about the method first: POST, PUT, PATCH and DELETE without a
    token are refused; GET, HEAD and OPTIONS are answered as before."""
    app = make_app(WTF_CSRF_ENABLED=True)

    @app.route("/_test/any", methods=["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"])
    def any_method():  # type: ignore[no-untyped-def]
        return "done"

    client = app.test_client()
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open("/_test/any", method=method).status_code == 400, method
    for method in ("GET", "HEAD", "OPTIONS"):
        assert client.open("/_test/any", method=method).status_code == 200, method
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/_test/any", data={"csrf_token": token}).status_code == 200
