"""The menu in every page's header is kept rendered per variant (web/menu.py): each person
must still see exactly their own tabs, and the kept menu is built once per variant."""

from __future__ import annotations

import re

from tests.conftest import login_client
from tests.factories import MembershipFactory, UserFactory, VenueFactory


def _nav(html: str) -> str:
    return html.split("<nav", 1)[1].split("</nav>", 1)[0]


def _tabs(client, path: str) -> list[str]:
    return re.findall(r'<a href="[^"]*">([^<]+)</a>', _nav(client.get(path).get_data(as_text=True)))


def test_each_role_sees_its_own_tabs_whatever_was_shown_before(app):
    with app.app_context():
        admin, trainer, staff = UserFactory(admin=True), UserFactory(trainer=True), UserFactory()
    expected = {
        admin: ["My training", "Venues", "Partnership", "Content", "Find", "Account"],
        trainer: ["My training", "Content", "Account"],
        staff: ["My training", "Account"],
    }
    for _ in range(2):  # the second round is served from kept menus
        for person, tabs in expected.items():
            for path in ("/account", "/my/training", "/my/certificates"):
                assert _tabs(login_client(app, person), path) == tabs, (person.email, path)
    assert _tabs(app.test_client(), "/login") == ["Log in", "Register"]


def test_two_managers_each_see_their_own_venue(app):
    with app.app_context():
        ana_at = MembershipFactory(venue=VenueFactory(name="Ana's Bar"), manager=True)
        ben_at = MembershipFactory(venue=VenueFactory(name="Ben's Club"), manager=True)
        ana, ben = ana_at.user, ben_at.user
    for person, venue_id, other_id in ((ana, ana_at.venue_id, ben_at.venue_id),
                                       (ben, ben_at.venue_id, ana_at.venue_id)):
        nav = _nav(login_client(app, person).get("/account").get_data(as_text=True))
        assert f'href="/venues/{venue_id}/training">Venue</a>' in nav
        assert f"/venues/{other_id}/" not in nav


def test_a_menu_is_built_once_per_variant(app):
    with app.app_context():
        staff, other_staff, trainer = UserFactory(), UserFactory(), UserFactory(trainer=True)
    menus = app.extensions["site_menus"]
    for person in (staff, other_staff):
        client = login_client(app, person)
        for path in ("/account", "/my/certificates", "/my/training"):
            client.get(path)
    assert len(menus) == 1  # every member of staff shares one menu
    login_client(app, trainer).get("/account")
    app.test_client().get("/login")
    assert len(menus) == 3
