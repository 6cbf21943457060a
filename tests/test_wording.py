"""Small wording faults staff noticed: each reads once, and the site has its icon."""

from __future__ import annotations

import re

from tests.conftest import login_client
from tests.factories import UserFactory
from tests.learning import pass_quiz


def _client(app):
    with app.app_context():
        user = UserFactory()
    return login_client(app, user)


def test_a_passed_module_says_passed_once_with_its_date(app):
    client = _client(app)
    pass_quiz(app, client, "welcome")
    page = client.get("/my/training").get_data(as_text=True)
    status = re.search(r'<p class="status status-passed">(.*?)</p>', page, re.S).group(1)
    assert re.search(r"<strong>Passed \d{1,2} \w{3} \d{4}</strong>", status), status
    assert status.lower().count("passed") == 1


def test_the_account_page_names_the_name_field_once(app):
    page = _client(app).get("/account").get_data(as_text=True)
    assert page.count("Your name") == 1


def test_every_page_links_a_favicon_that_is_served(app, client):
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    response = client.get(href)
    try:
        assert response.status_code == 200 and b"<svg" in response.data
    finally:
        response.close()
