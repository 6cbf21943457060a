"""The last lesson page starts the quiz in one tap, from a cached page, with each person's own token."""

from __future__ import annotations

import re

from tests.conftest import login_client
from tests.factories import UserFactory


def test_the_last_page_starts_the_quiz_with_each_sessions_own_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        first, second = UserFactory(), UserFactory()
    for user in (first, second):
        client = login_client(app, user)
        client.get("/modules/welcome/1")
        last = client.get("/modules/welcome/2").get_data(as_text=True)
        form = re.search(r'<form method="post" action="/modules/welcome/quiz/start">\s*'
                         r'<input type="hidden" name="csrf_token" value="([^"]+)">', last)
        assert form is not None and "Start the quiz" in last
        assert "2 questions. You pass with 50% or more." in last
        started = client.post("/modules/welcome/quiz/start", data={"csrf_token": form.group(1)})
        assert started.status_code == 302 and started.location.startswith("/quiz/")
    assert len(app.extensions["lesson_pages"]) == 2  # pages 1 and 2, each rendered once for both people


def test_starting_from_the_last_page_with_a_page_unread_explains_on_the_quiz_page(app):
    with app.app_context():
        user = UserFactory()
    client = login_client(app, user)
    client.get("/modules/welcome/2")
    response = client.post("/modules/welcome/quiz/start", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/modules/welcome/quiz"
    assert "Pages you have not read yet:" in page and "Why this matters" in page
