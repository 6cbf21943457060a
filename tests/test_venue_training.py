"""The manager's venue pages: home, training matrix, a person's record, isolation, SQL counts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from tests.conftest import login_client
from tests.factories import (
    AttemptFactory,
    CertificateFactory,
    CompletionFactory,
    MembershipFactory,
    PageViewFactory,
    UserFactory,
    VenueFactory,
)
from training_portal.extensions import db
from training_portal.timeutil import site_today


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def _today(app) -> date:
    with app.app_context():
        return site_today()


def _venue_with_manager(app, **venue_fields):
    with app.app_context():
        manager = UserFactory(name="Mo Manager")
        venue = VenueFactory(created_by=manager, **venue_fields)
        MembershipFactory(user=manager, venue=venue, manager=True,
                          joined_at=_at(site_today() - timedelta(days=400)))
        return manager, venue


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _table_row(html: str, name: str) -> str:
    found = re.search(rf'<tr><th scope="row"><a[^>]*><bdi>{re.escape(name)}</bdi></a>(.*?)</tr>', html, re.S)
    assert found, f"{name} is not in the table"
    return found.group(1)


def _list_item(html: str, name: str) -> str:
    phone = html.split('<ul class="person-cards matrix-list">', 1)[1].split('<div class="table-wrap', 1)[0]
    found = re.search(rf'<li><a class="name"[^>]*><bdi>{re.escape(name)}</bdi></a>(.*?)(?=<li><a class="name"|$)',
                      phone, re.S)
    assert found, f"{name} is not in the phone list"
    return found.group(1)


def _names_in_table(html: str) -> list[str]:
    return re.findall(r'<tr><th scope="row"><a[^>]*><bdi>([^<]+)</bdi></a>', html)


# --- Home and menu ------------------------------------------------------------------------

def _nav(html: str) -> str:
    return html.split("<nav", 1)[1].split("</nav>", 1)[0]


def test_manager_lands_on_their_venues_overview(app):
    manager, venue = _venue_with_manager(app)
    client = login_client(app, manager)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/venues/{venue.id}/training"
    page = _page(client, f"/venues/{venue.id}/training")
    assert f"Training at {venue.name}" in page
    nav = _nav(page)
    assert f'href="/venues/{venue.id}/training">Venue</a>' in nav
    assert 'href="/my/training">My training</a>' in nav
    assert "<h1>My training</h1>" in _page(client, "/my/training")


def test_manager_of_two_venues_chooses_first(app):
    manager, first = _venue_with_manager(app)
    with app.app_context():
        second = VenueFactory(name="The Second Venue")
        MembershipFactory(user=db.session.merge(manager), venue=second, manager=True)
    client = login_client(app, manager)
    page = _page(client, "/")
    assert "Choose a venue" in page
    for venue in (first, second):
        assert f'href="/venues/{venue.id}/training"' in page
    assert 'href="/venues">My venues</a>' in _nav(page)


def test_staff_never_see_a_venues_tab(app):
    _manager, venue = _venue_with_manager(app)
    with app.app_context():
        staff = MembershipFactory(venue=venue).user
    client = login_client(app, staff)
    for url in ("/", "/my/training", "/account", "/modules/welcome/1"):
        nav = _nav(_page(client, url))
        assert "/venues" not in nav and "Venue" not in nav, url
    assert "<h1>My training</h1>" in _page(client, "/")


def test_partnership_admin_lands_on_the_programme_not_a_venue(app):
    with app.app_context():
        admin = UserFactory(admin=True)
        venue = VenueFactory()
        MembershipFactory(user=admin, venue=venue, manager=True)
    client = login_client(app, admin)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/partnership"
    page = _page(client, "/my/training")
    assert "<h1>My training</h1>" in page
    assert 'href="/venues">Venues</a>' in _nav(page)


def test_lesson_pages_cached_for_staff_do_not_leak_a_managers_menu(app):
    manager, venue = _venue_with_manager(app)
    with app.app_context():
        staff = MembershipFactory(venue=venue).user
    _page(login_client(app, manager), "/modules/welcome/1")
    assert "/venues" not in _nav(_page(login_client(app, staff), "/modules/welcome/1"))


# --- The matrix ---------------------------------------------------------------------------

@pytest.fixture
def staffed(app):
    """A venue whose staff are in every state (today is the real date)."""
    manager, venue = _venue_with_manager(app, starter_deadline_days=14)
    today = _today(app)
    with app.app_context():
        def person(name, days_ago=200):
            return MembershipFactory(venue=venue, user__name=name,
                                     joined_at=_at(today - timedelta(days=days_ago))).user

        alice, bob, cara = person("Alice Passed"), person("Bob Reading"), person("Cara Failed")
        dan, eve, finn = person("Dan Due"), person("Eve Expired"), person("Finn Outdated")
        person("Gus Never", days_ago=30)
        person("Hal Newstarter", days_ago=3)
        CompletionFactory(user_id=alice.id, module_slug="welcome", passed_at=_at(today - timedelta(days=20)),
                          expires_on=today + timedelta(days=340))
        PageViewFactory(user_id=bob.id, module_slug="welcome", page_number=1)
        AttemptFactory(user_id=cara.id, module_slug="welcome", passed=False, score=40,
                       graded_at=_at(today - timedelta(days=2)))
        AttemptFactory(user_id=cara.id, module_slug="welcome", passed=False, score=50,
                       graded_at=_at(today - timedelta(days=1)))
        CompletionFactory(user_id=dan.id, module_slug="welcome", passed_at=_at(today - timedelta(days=355)),
                          expires_on=today + timedelta(days=10))
        CompletionFactory(user_id=eve.id, module_slug="welcome", passed_at=_at(today - timedelta(days=400)),
                          expires_on=today - timedelta(days=35))
        CompletionFactory(user_id=finn.id, module_slug="spiking", module_version="1.4",
                          passed_at=_at(today - timedelta(days=30)), expires_on=today + timedelta(days=330))
        leaver = MembershipFactory(venue=venue, user__name="Lou Leaver", left=True)
        CompletionFactory(user_id=leaver.user_id, module_slug="welcome")
    return manager, venue


def test_matrix_shows_each_state_for_the_right_person(app, staffed):
    manager, venue = staffed
    page = _page(login_client(app, manager), f"/venues/{venue.id}/training")
    expected = {"Alice Passed": "Passed", "Bob Reading": "In progress", "Cara Failed": "In progress",
                "Dan Due": "Due within 30 days", "Eve Expired": "Expired",
                "Finn Outdated": "Updated – refresher needed", "Gus Never": "Not started"}
    for name, label in expected.items():
        assert f">{label}</span>" in _table_row(page, name), name
        assert f">{label}</span>" in _list_item(page, name), name
    assert "2 quiz attempts (2 failed)" in _table_row(page, "Cara Failed")
    assert "1 page read" in _table_row(page, "Bob Reading")
    assert "passed version 1.4" in _table_row(page, "Finn Outdated")
    assert page.count('<span class="tag">required</span>') >= 2  # both modules required by default


def test_phone_list_puts_the_worst_status_first(app, staffed):
    manager, venue = staffed
    page = _page(login_client(app, manager), f"/venues/{venue.id}/training")
    eve = _list_item(page, "Eve Expired")
    assert eve.index(">Expired</span>") < eve.index(">Not started</span>")


def test_coverage_is_shown_against_the_target(app, staffed):
    manager, venue = staffed
    page = _page(login_client(app, manager), f"/venues/{venue.id}/training")
    # 9 current staff (the manager counts), nobody holds both modules in date.
    assert "0 of 9" in page and "target is 75 %" in page and "Below target" in page
    assert "Lou Leaver" not in page


def test_filters_by_module_and_status_and_sorts(app, staffed):
    manager, venue = staffed
    client = login_client(app, manager)
    base = f"/venues/{venue.id}/training"
    passed = _page(client, f"{base}?module=welcome&status=passed")
    assert _names_in_table(passed) == ["Alice Passed"]
    assert "Showing 1 of 9 current staff" in passed
    expired = _page(client, f"{base}?status=expired")
    assert _names_in_table(expired) == ["Eve Expired"]
    by_join = _names_in_table(_page(client, f"{base}?sort=joined"))
    assert by_join[:2] == ["Hal Newstarter", "Gus Never"] and by_join[-1] == "Mo Manager"
    by_activity = _names_in_table(_page(client, f"{base}?sort=activity"))
    assert set(by_activity[-3:]) == {"Gus Never", "Hal Newstarter", "Mo Manager"}  # no activity
    assert _names_in_table(_page(client, f"{base}?sort=name"))[0] == "Alice Passed"


def test_unknown_filter_values_are_ignored_with_a_note(app, staffed):
    manager, venue = staffed
    page = _page(login_client(app, manager),
                 f"/venues/{venue.id}/training?module=retired&status=<b>bad</b>&sort=shoe-size")
    assert "There is no module “retired”" in page
    assert "“&lt;b&gt;bad&lt;/b&gt;” is not a status" in page
    assert "sorted by name" in page
    assert len(_names_in_table(page)) == 9


@pytest.mark.parametrize(("query", "note"), [
    ("module=retired", "There is no module “retired”, so the module filter was ignored."),
    ("status=shiny", "“shiny” is not a status, so the status filter was ignored."),
    ("sort=shoe-size", "“shoe-size” is not a way to sort, so the list is sorted by name."),
    ("page=abc", "“abc” is not a page number, so the first page is shown."),
    ("page=0", "“0” is not a page number, so the first page is shown."),
    ("page=12345678", "“12345678” is not a page number, so the first page is shown."),
    ("leavers=yes", "“yes” is not a choice for former staff (use 1 to show them), so they are not shown."),
])
def test_each_unknown_or_malformed_matrix_value_gets_a_note(app, staffed, query, note):
    manager, venue = staffed
    client = login_client(app, manager)
    page = _page(client, f"/venues/{venue.id}/training?{query}")
    assert note in page
    assert _names_in_table(page) == _names_in_table(_page(client, f"/venues/{venue.id}/training"))
    assert 'id="h-former"' not in page  # "leavers=yes" does not list former staff


@pytest.mark.parametrize("query", ["", "page=1", "leavers=0", "leavers=1", "sort=joined&status=passed"])
def test_understood_matrix_values_get_no_note(app, staffed, query):
    manager, venue = staffed
    page = _page(login_client(app, manager), f"/venues/{venue.id}/training?{query}")
    assert "flash-error" not in page


def test_never_started_count_links_to_that_filter(app, staffed):
    manager, venue = staffed
    client = login_client(app, manager)
    page = _page(client, f"/venues/{venue.id}/training")
    link = f'href="/venues/{venue.id}/training?status=never_started">3 people joined and never started'
    assert link in page  # Gus, Hal and the manager
    filtered = _page(client, f"/venues/{venue.id}/training?status=never_started")
    assert _names_in_table(filtered) == ["Gus Never", "Hal Newstarter", "Mo Manager"]


def test_new_starters_past_the_deadline_are_listed(app, staffed):
    manager, venue = staffed
    page = _page(login_client(app, manager), f"/venues/{venue.id}/training")
    deadline = page.split("New starters past the deadline", 1)[1].split("</ul>", 1)[0]
    assert "Gus Never" in deadline and "Hal Newstarter" not in deadline
    assert "New starters must be in date within 14 days of joining." in page


def test_leavers_are_shown_on_request_but_not_counted(app, staffed):
    manager, venue = staffed
    page = _page(login_client(app, manager), f"/venues/{venue.id}/training?leavers=1")
    former = page.split('<h2 id="h-former">Former staff</h2>', 1)[1]
    assert "Lou Leaver" in former and ">Passed</span>" in former
    assert "Lou Leaver" not in page.split('<h2 id="h-former">', 1)[0]
    assert "0 of 9" in page


def test_policy_is_stated_in_plain_words(app):
    manager, venue = _venue_with_manager(app, refresher_months=6, required_modules=["welcome"])
    page = _page(login_client(app, manager), f"/venues/{venue.id}/training")
    assert "Staff must hold: Welcome to the programme." in page
    assert "Training is renewed every 6 months." in page
    assert "There is no deadline for new starters." in page


# --- A person's page ----------------------------------------------------------------------

def test_person_page_shows_status_attempts_certificates_and_dates(app):
    manager, venue = _venue_with_manager(app)
    today = _today(app)
    with app.app_context():
        membership = MembershipFactory(venue=venue, user__name="Pat Person",
                                       user__email="pat@example.org")
        user_id = membership.user_id
        completion = CompletionFactory(user_id=user_id, module_slug="welcome",
                                       passed_at=_at(today - timedelta(days=10)),
                                       expires_on=today + timedelta(days=355))
        CertificateFactory(completion=completion, code="K7QM3XWD9TRFH2PN")
        AttemptFactory(user_id=user_id, module_slug="spiking", module_version="2.0", passed=False,
                       score=40, graded_at=_at(today - timedelta(days=3)))
    page = _page(login_client(app, manager), f"/venues/{venue.id}/people/{membership.id}")
    assert "<h1><bdi>Pat Person</bdi></h1>" in page and "pat@example.org" in page
    assert "K7QM-3XWD-9TRF-H2PN" in page and ">Valid</span>" in page
    assert "Quiz attempts (2)" in page  # the pass's own attempt and the failed one
    assert "score 40 %" in page and "score 100 %" in page and "Spotting spiking" in page
    assert ">Passed</span>" in page and ">In progress</span>" in page


def test_names_in_the_matrix_link_to_the_person_page(app):
    manager, venue = _venue_with_manager(app)
    with app.app_context():
        membership = MembershipFactory(venue=venue, user__name="Pat Person")
    page = _page(login_client(app, manager), f"/venues/{venue.id}/training")
    assert f'href="/venues/{venue.id}/people/{membership.id}"><bdi>Pat Person</bdi></a>' in page


def test_a_leavers_page_stays_reachable_by_their_venues_manager(app):
    manager, venue = _venue_with_manager(app)
    with app.app_context():
        leaver = MembershipFactory(venue=venue, user__name="Lou Leaver", left=True)
    page = _page(login_client(app, manager), f"/venues/{venue.id}/people/{leaver.id}")
    assert "<dt>Left</dt>" in page


# --- Isolation ----------------------------------------------------------------------------

@pytest.fixture
def two_venues(app):
    manager_a, venue_a = _venue_with_manager(app)
    with app.app_context():
        staff_a = MembershipFactory(venue=venue_a, user__name="Staff Of A")
        owner_b = UserFactory(name="Owner Of B")
        venue_b = VenueFactory(name="Venue B", created_by=owner_b, refresher_months=None)
        MembershipFactory(user=owner_b, venue=venue_b, manager=True)
        member_b = MembershipFactory(venue=venue_b, user__name="Secret Staffer",
                                     user__email="secret@example.org")
        leaver_b = MembershipFactory(venue=venue_b, user__name="Secret Leaver", left=True)
        # Someone who works at both venues: their B membership must not open through A.
        both = MembershipFactory(venue=venue_b, user__name="Both Places")
        MembershipFactory(user=both.user, venue=venue_a)
    return {"manager_a": manager_a, "staff_a": staff_a.user, "a": venue_a.id, "b": venue_b.id,
            "m": member_b.id, "leaver": leaver_b.id, "both_b": both.id, "a_staff_m": staff_a.id}


OUT_OF_BOUNDS = [
    ("get", "/venues/{b}/training"), ("get", "/venues/{b}/training?leavers=1"),
    ("get", "/venues/{b}/people/{m}"), ("get", "/venues/{b}/people/{leaver}"),
    ("get", "/venues/{a}/people/{m}"), ("get", "/venues/{a}/people/{leaver}"),
    ("get", "/venues/{a}/people/{both_b}"), ("get", "/venues/{b}/people/{a_staff_m}"),
    ("get", "/venues/{b}/policy"), ("post", "/venues/{b}/policy"),
]


@pytest.mark.parametrize("method,path", OUT_OF_BOUNDS)
def test_manager_of_a_reaches_nothing_of_b(app, two_venues, method, path):
    client = login_client(app, two_venues["manager_a"])
    response = getattr(client, method)(path.format(**two_venues),
                                       data={"refresher_months": "1", "required": ["welcome"]})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Secret" not in page and "secret@example.org" not in page and "Venue B" not in page
    with app.app_context():
        from training_portal.venues.models import Venue

        assert db.session.get(Venue, two_venues["b"]).refresher_months is None


@pytest.mark.parametrize("path", ["/venues/{a}/training", "/venues/{a}/people/{a_staff_m}",
                                  "/venues/{a}/policy"])
def test_staff_of_a_get_404_on_their_own_venues_manager_pages(app, two_venues, path):
    client = login_client(app, two_venues["staff_a"])
    assert client.get(path.format(**two_venues)).status_code == 404
    assert client.post(path.format(**two_venues), data={"refresher_months": "1"}).status_code in (404, 405)


def test_anonymous_visitors_are_sent_to_log_in(client, two_venues):
    for path in ("/venues/{a}/training", "/venues/{a}/people/{a_staff_m}", "/venues/{a}/policy",
                 "/my/training"):
        response = client.get(path.format(**two_venues))
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- SQL statements -----------------------------------------------------------------------

def _statements_for_request(app, client, url: str) -> int:
    client.get(url)  # warm-up: session check and catalog remembered, as on a busy server
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

        def count(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _fill(venue, n: int, today: date) -> None:
    for i in range(n):
        person = MembershipFactory(venue=venue, joined_at=_at(today - timedelta(days=i))).user
        completion = CompletionFactory(user_id=person.id, module_slug="welcome")
        CertificateFactory(completion=completion)
        PageViewFactory(user_id=person.id, module_slug="spiking", page_number=1)
        AttemptFactory(user_id=person.id, module_slug="spiking", passed=False, score=10,
                       graded_at=_at(today))
        if i % 5 == 0:
            MembershipFactory(venue=venue, left=True)


@pytest.mark.parametrize("path", ["/venues/{v}/training", "/venues/{v}/training?leavers=1&sort=activity"])
def test_matrix_statements_do_not_grow_with_staff(app, path):
    today = _today(app)
    small_manager, small = _venue_with_manager(app)
    large_manager, large = _venue_with_manager(app)
    with app.app_context():
        _fill(small, 5, today)
        _fill(large, 50, today)
    small_count = _statements_for_request(app, login_client(app, small_manager), path.format(v=small.id))
    large_count = _statements_for_request(app, login_client(app, large_manager), path.format(v=large.id))
    assert small_count == large_count
    assert large_count <= 10


def test_person_page_statements_do_not_grow_with_attempts(app):
    manager, venue = _venue_with_manager(app)
    today = _today(app)
    with app.app_context():
        few, many = MembershipFactory(venue=venue), MembershipFactory(venue=venue)
        for membership, n in ((few, 1), (many, 12)):
            for _ in range(n):
                CertificateFactory(completion=CompletionFactory(user_id=membership.user_id))
                AttemptFactory(user_id=membership.user_id, module_slug="spiking", passed=False,
                               score=20, graded_at=_at(today))
    client = login_client(app, manager)
    assert (_statements_for_request(app, client, f"/venues/{venue.id}/people/{few.id}")
            == _statements_for_request(app, client, f"/venues/{venue.id}/people/{many.id}"))


def test_past_deadline_list_is_capped_with_a_link_to_everyone(app):
    manager, venue = _venue_with_manager(app, starter_deadline_days=7)
    today = _today(app)
    with app.app_context():
        for i in range(12):
            MembershipFactory(venue=venue, user__name=f"Late {i:02d}",
                              joined_at=_at(today - timedelta(days=30)))
    client = login_client(app, manager)
    page = _page(client, f"/venues/{venue.id}/training")
    deadline = page.split("New starters past the deadline", 1)[1].split("</ul>", 1)[0]
    assert deadline.count("<li>") == 10
    assert f'href="/venues/{venue.id}/training?status=past_deadline">See all 13 people' in page
    assert len(_names_in_table(_page(client, f"/venues/{venue.id}/training?status=past_deadline"))) == 13


def test_prepared_cell_markup_escapes_titles_and_labels(app):
    from types import SimpleNamespace

    from training_portal.dashboards.venue import Cell
    from training_portal.learning.status import Standing
    from training_portal.web.matrix_view import MatrixText

    module = SimpleNamespace(slug="x", title="<script>alert(1)</script>")
    cells = (Cell(module, Standing("not_started", None), required=False),)  # type: ignore[arg-type]
    row = SimpleNamespace(cells=cells, joined_at=_at(date(2026, 1, 2)), left_at=None, last_activity=None)
    with app.test_request_context():
        shown = MatrixText().matrix_row(row)  # type: ignore[arg-type]
    assert "<script>" not in shown.phone_cells and "&lt;script&gt;" in shown.phone_cells
    assert shown.table_cells == '<td><span class="badge badge-not_started">Not started</span></td>'


def test_setting_up_a_venue_shows_it_in_the_menu_at_once(app):
    with app.app_context():
        owner = UserFactory()
    client = login_client(app, owner)
    assert "/venues" not in _nav(_page(client, "/my/training"))
    response = client.post("/venues/new", data={"name": "The New Bar", "address": "2 Low St",
                                                "postcode": "AB1 2CD"})
    assert response.status_code == 302
    venue_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    assert f'href="/venues/{venue_id}/training">Venue</a>' in _nav(_page(client, "/my/training"))
    assert client.get("/").headers["Location"] == f"/venues/{venue_id}/training"
