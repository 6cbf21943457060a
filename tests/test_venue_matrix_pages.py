"""The training matrix's nudge buttons (phone list, laptop table, a person's page) and its
pages of people (100 a page; the figures above always count every current member)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import login_client, outbox
from tests.factories import CompletionFactory, MembershipFactory, UserFactory, VenueFactory
from training_portal.dashboards import venue_query
from training_portal.dashboards.models import Nudge
from training_portal.dashboards.venue_query import Page, parse_query
from training_portal.extensions import db
from training_portal.timeutil import site_today


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


@pytest.fixture
def venue(app):
    """A venue requiring "welcome": Nina never started, Tom is in date, Lee has left."""
    with app.app_context():
        today = site_today()
        manager = UserFactory(name="Mo Manager")
        venue = VenueFactory(created_by=manager, required_modules=["welcome"], name="The Crown")
        MembershipFactory(user=manager, venue=venue, manager=True)
        CompletionFactory(user_id=manager.id, module_slug="welcome", passed_at=_at(today),
                          expires_on=today + timedelta(days=300))
        nina = MembershipFactory(venue=venue, user__name="Nina Never")
        tom = MembershipFactory(venue=venue, user__name="Tom Trained")
        CompletionFactory(user_id=tom.user_id, module_slug="welcome", passed_at=_at(today),
                          expires_on=today + timedelta(days=300))
        lee = MembershipFactory(venue=venue, user__name="Lee Leaver", left=True)
        return {"manager": manager, "id": venue.id, "nina": nina.id, "tom": tom.id, "lee": lee.id}


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _phone(html: str) -> str:
    return html.split('<ul class="person-cards matrix-list">', 1)[1].split('<div class="table-wrap', 1)[0]


def _table(html: str) -> str:
    return html.split('<div class="table-wrap', 1)[1].split("</table>", 1)[0]


def _nudge_action(venue: dict, who: str) -> str:
    return f'action="/venues/{venue["id"]}/people/{venue[who]}/nudge"'


def test_matrix_offers_a_reminder_in_the_phone_list_and_the_table_for_who_needs_one(app, venue):
    client = login_client(app, venue["manager"])
    url = f"/venues/{venue['id']}/training?sort=joined&status=bogus"
    html = _get(client, url)
    for part in (_phone(html), _table(html)):
        assert part.count(_nudge_action(venue, "nina")) == 1
        assert "Send a reminder to Nina Never" in part
        assert _nudge_action(venue, "tom") not in part  # in date: nothing to catch up on
        assert "Send a reminder to Mo Manager" not in part
    # One form for every button on the page: back to the same view (unknown values dropped).
    assert html.count(f'name="next" value="/venues/{venue["id"]}/training?sort=joined"') == 1
    assert html.count('<form method="post" id="nudge"') == 1
    assert html.count('form="nudge" formaction=') == 2
    assert '<th scope="col">Reminder</th>' in html


def test_a_nudge_from_the_matrix_comes_back_to_the_same_view_saying_when_it_went(app, venue):
    client = login_client(app, venue["manager"])
    back = f"/venues/{venue['id']}/training?status=not_started&sort=joined"
    response = client.post(f"/venues/{venue['id']}/people/{venue['nina']}/nudge",
                           data={"next": back})
    assert response.status_code == 302 and response.headers["Location"] == back
    assert len(outbox(app)) == 1
    html = _get(client, back)
    assert "We have emailed Nina Never a reminder." in html
    assert "Send a reminder to Nina Never" not in html
    assert html.count("Reminder sent ") == 2  # phone list and table


def test_person_page_offers_a_reminder_and_comes_back_to_itself(app, venue):
    client = login_client(app, venue["manager"])
    page_url = f"/venues/{venue['id']}/people/{venue['nina']}"
    html = _get(client, page_url)
    assert html.count(_nudge_action(venue, "nina")) == 1
    assert f'name="next" value="{page_url}"' in html
    response = client.post(f"{page_url}/nudge", data={"next": page_url})
    assert response.headers["Location"] == page_url
    after = _get(client, page_url)
    assert "Reminder sent " in after and "Send a reminder" not in after
    with app.app_context():
        assert db.session.scalar(select(Nudge.user_id)) is not None
    for who in ("tom", "lee"):  # in date; a leaver
        assert "Send a reminder" not in _get(client, f"/venues/{venue['id']}/people/{venue[who]}")


# --- Pages of people ------------------------------------------------------------------------

@pytest.fixture
def three_a_page(monkeypatch):
    monkeypatch.setattr(venue_query, "PER_PAGE", 3)


def _add_staff(app, venue: dict, n: int) -> None:
    with app.app_context():
        from training_portal.venues.models import Venue

        place = db.session.get(Venue, venue["id"])
        for i in range(n):
            MembershipFactory(venue=place, user__name=f"Staff {i:02d}")


def _listed(html: str) -> tuple[list[str], str]:
    """The names in the table and the sentence saying which page this is."""
    names = re.findall(r'<tr><th scope="row"><a[^>]*>([^<]+)</a>', html)
    return names, html.split('id="staff-count">', 1)[1].split("</p>", 1)[0]


def test_the_list_is_paged_and_the_figures_count_everyone(app, venue, three_a_page):
    _add_staff(app, venue, 5)  # 8 current staff: Mo, Nina, Tom, Staff 00–04
    client = login_client(app, venue["manager"])
    base = f"/venues/{venue['id']}/training"
    first = _get(client, base)
    assert len(re.findall(r'<tr><th scope="row">', first)) == 3
    assert "8 current staff." in first
    assert "This page lists 1 to 3 (page 1 of 3)." in first
    assert "(2 of 8)" in first  # coverage over everyone: Mo and Tom
    assert f'<a href="{base}?page=2">Next people (page 2 of 3)</a>' in first
    last = _get(client, f"{base}?page=3")
    assert len(re.findall(r'<tr><th scope="row">', last)) == 2
    assert "This page lists 7 to 8 (page 3 of 3)." in last and "(2 of 8)" in last
    assert f'<a href="{base}?page=2">Previous 3 people</a>' in last
    assert "Next people" not in last
    assert _listed(_get(client, f"{base}?page=99")) == _listed(last)  # past the end: the last page
    assert _listed(_get(client, f"{base}?page=abc")) == _listed(first)


def test_pages_keep_the_filters_and_sort(app, venue, three_a_page):
    _add_staff(app, venue, 5)
    client = login_client(app, venue["manager"])
    html = _get(client, f"/venues/{venue['id']}/training?status=never_started&sort=joined&leavers=1")
    assert "Showing 6 of 8 current staff." in html and "(page 1 of 2)" in html
    assert (f'href="/venues/{venue["id"]}/training?status=never_started&amp;sort=joined&amp;'
            f'leavers=1&amp;page=2"') in html
    assert "Lee Leaver" in html  # former staff are listed in full below


def test_one_page_has_no_pager(app, venue):
    html = _get(login_client(app, venue["manager"]), f"/venues/{venue['id']}/training")
    assert 'class="pager"' not in html and "This page lists" not in html


@pytest.mark.parametrize(("asked", "expected", "noted"), [
    (None, 1, False), ("", 1, False), ("2", 2, False), ("0", 1, True), ("-2", 1, True),
    ("abc", 1, True), ("2.5", 1, True), ("\u0662", 1, True), ("9999999", 1, True)])
def test_page_number_from_the_address(asked, expected, noted):
    """A malformed page number is page 1 and is named as ignored (the page then says so)."""
    args = {} if asked is None else {"page": asked}
    query = parse_query(args, [])
    assert query.page == expected
    assert query.ignored == ((("page", asked),) if noted else ())


@pytest.mark.parametrize(("asked", "leavers", "noted"), [
    (None, False, False), ("", False, False), ("0", False, False), ("1", True, False),
    ("yes", False, True), ("true", False, True), ("2", False, True)])
def test_leavers_choice_from_the_address(asked, leavers, noted):
    args = {} if asked is None else {"leavers": asked}
    query = parse_query(args, [])
    assert query.leavers is leavers
    assert query.ignored == ((("leavers", asked),) if noted else ())


def test_page_of_rows():
    rows = list(range(7))
    page = Page.of(rows, 3, per_page=3)  # type: ignore[arg-type]
    assert (page.rows, page.first, page.last, page.pages, page.total) == ((6,), 7, 7, 3, 7)
    assert Page.of(rows, 9, per_page=3).number == 3  # type: ignore[arg-type]
    empty = Page.of([], 1, per_page=3)
    assert (empty.rows, empty.first, empty.last, empty.pages, empty.paged) == ((), 0, 0, 1, False)
