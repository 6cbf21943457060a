"""Issue 9, item 7: identifiers in paths are checked by shape before they reach the database.

A NUL byte, an over-long or a non-ASCII identifier is a 404 on PostgreSQL exactly as on
SQLite (before, PostgreSQL's driver refused the NUL byte and the page was a 500).
"""

from __future__ import annotations

import pytest

from tests.conftest import login_client
from tests.factories import UserFactory

#: Every route with a text identifier; {} is where the identifier goes.
TEXT_ID_ROUTES = (
    "/verify/{}", "/join/{}", "/inspect/{}", "/inspect/{}/register.pdf", "/invitations/{}",
    "/login/link/{}", "/reset/{}", "/modules/{}", "/modules/{}/1", "/modules/{}/quiz",
    "/modules/welcome/images/{}", "/quiz/{}", "/quiz/{}/result", "/trainer/modules/{}/quiz",
    "/trainer/modules/{}/insights", "/trainer/modules/{}/1",
)
#: Every route with a number, with the number too big for any database integer.
INT_ID_ROUTES = (
    "/admin/certificates/{}", "/admin/people/{}", "/my/certificates/{}.pdf", "/venues/{}",
    "/venues/{}/training", "/venues/{}/register.csv", "/venues/{}/people/{}",
    "/modules/welcome/{}",
)
BAD_IDS = {
    "nul": "%00",
    "nul-inside": "abc%00def",
    "long": "a" * 300,
    "non-ascii": "%C3%A9t%C3%A9",
    "rtl-override": "%E2%80%AEabc",
    "control": "%01%1F",
}


@pytest.fixture
def admin_client(app):
    with app.app_context():
        user = UserFactory(admin=True, trainer=True)
    return login_client(app, user)


@pytest.mark.parametrize("kind", sorted(BAD_IDS))
@pytest.mark.parametrize("route", TEXT_ID_ROUTES)
def test_odd_text_identifiers_are_404(admin_client, route, kind):
    response = admin_client.get(route.format(BAD_IDS[kind]))
    assert response.status_code == 404


@pytest.mark.parametrize("route", INT_ID_ROUTES)
def test_numbers_too_big_for_the_database_are_404(admin_client, route):
    response = admin_client.get(route.format(*(["9" * 20] * route.count("{}"))))
    assert response.status_code == 404


def test_every_route_uses_the_checked_converters(app):
    from training_portal.urls import BoundedIntConverter, IdentifierConverter

    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if rule.endpoint == "static":
                continue
            assert isinstance(converter, IdentifierConverter | BoundedIntConverter), (rule, name)
