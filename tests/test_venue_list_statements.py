"""Every venue list page runs the same SQL statements for a few rows as for many
(PRODUCT.md: "every list page: SQL statements independent of the number of rows")."""

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
from training_portal.dashboards import inspections
from training_portal.dashboards.models import InspectionOpening, Nudge
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.timeutil import site_today
from training_portal.venues import services

LINK = re.compile(r'value="https://training\.example\.org/inspect/([A-Za-z0-9_-]+)"')


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def _statements(app, client, url: str) -> int:
    """Statements for one GET of ``url``, after a warm-up (session check, catalog)."""
    client.get(url)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _venue(app, staff: int, name: str = "The Lamplighter"):
    """A venue with an owner, a co-manager, ``staff`` people (some with training, a nudge,
    one leaver in five) and a pending co-manager invitation per five staff."""
    with app.app_context():
        today = site_today()
        owner = UserFactory(name=f"Owner of {name}")
        venue = VenueFactory(name=name, created_by=owner)
        MembershipFactory(user=owner, venue=venue, manager=True,
                          joined_at=_at(today - timedelta(days=400)))
        MembershipFactory(venue=venue, manager=True)
        for i in range(staff):
            person = MembershipFactory(venue=venue, joined_at=_at(today - timedelta(days=i))).user
            CertificateFactory(completion=CompletionFactory(user_id=person.id, module_slug="welcome"))
            PageViewFactory(user_id=person.id, module_slug="spiking", page_number=1)
            AttemptFactory(user_id=person.id, module_slug="spiking", passed=False, score=10,
                           graded_at=_at(today))
            db.session.add(Nudge(venue_id=venue.id, user_id=person.id, sent_by_id=owner.id,
                                 sent_at=utcnow() - timedelta(days=i % 10)))
            if i % 5 == 0:
                MembershipFactory(venue=venue, left=True)
                services.invite_co_manager(owner, venue, f"invitee{i}@{venue.join_code.lower()}.example")
        db.session.commit()
        return owner, venue


@pytest.fixture
def small_and_large(app):
    return _venue(app, 5, "Small"), _venue(app, 50, "Large")


def test_venue_page_statements_do_not_grow_with_staff(app, small_and_large):
    (small_owner, small), (large_owner, large) = small_and_large
    few = _statements(app, login_client(app, small_owner), f"/venues/{small.id}")
    many = _statements(app, login_client(app, large_owner), f"/venues/{large.id}")
    assert few == many
    assert many <= 8


def test_venues_index_statements_do_not_grow_with_venues(app):
    with app.app_context():
        one, six = UserFactory(), UserFactory()
        for owner, n in ((one, 1), (six, 6)):
            for i in range(n):
                venue = VenueFactory(name=f"Venue {i}", created_by=owner)
                MembershipFactory(user=owner, venue=venue, manager=True)
                MembershipFactory(venue=venue)
        admin = UserFactory(admin=True)
    assert (_statements(app, login_client(app, one), "/venues")
            == _statements(app, login_client(app, six), "/venues"))
    admin_few = _statements(app, login_client(app, admin), "/venues")
    with app.app_context():
        for i in range(10):
            VenueFactory(name=f"More {i}")
    assert _statements(app, login_client(app, admin), "/venues") == admin_few


def _add_links(app, owner, venue, n: int) -> None:
    with app.app_context():
        for i in range(n):
            link, _token = inspections.create_link(owner, venue, f"Visit {i}", 7)
            for _ in range(i % 4):
                db.session.add(InspectionOpening(link_id=link.id, opened_at=utcnow()))
        db.session.commit()


def test_inspection_page_statements_do_not_grow_with_links(app, small_and_large):
    (small_owner, small), (large_owner, large) = small_and_large
    _add_links(app, small_owner, small, 1)
    _add_links(app, large_owner, large, 8)
    assert (_statements(app, login_client(app, small_owner), f"/venues/{small.id}/inspection")
            == _statements(app, login_client(app, large_owner), f"/venues/{large.id}/inspection"))


def test_inspect_page_statements_do_not_grow_with_staff(make_app, small_and_large):
    app = make_app()  # a second app: the link's openings are rate limited per app
    counts = []
    for owner, venue in small_and_large:
        created = login_client(app, owner).post(f"/venues/{venue.id}/inspection-links",
                                                data={"label": "Visit", "days": "3"})
        token = LINK.search(created.get_data(as_text=True)).group(1)
        counts.append(_statements(app, app.test_client(), f"/inspect/{token}"))
    assert counts[0] == counts[1]


def test_person_page_statements_do_not_grow_with_the_venue(app, small_and_large):
    (small_owner, small), (large_owner, large) = small_and_large
    with app.app_context():
        few = services.active_members(small)[-1].id
        many = services.active_members(large)[-1].id
    assert (_statements(app, login_client(app, small_owner), f"/venues/{small.id}/people/{few}")
            == _statements(app, login_client(app, large_owner), f"/venues/{large.id}/people/{many}"))


@pytest.mark.parametrize("query", ["", "?status=not_started", "?sort=activity&leavers=1", "?page=2"])
def test_matrix_with_nudge_buttons_statements_do_not_grow_with_staff(app, small_and_large, query):
    (small_owner, small), (large_owner, large) = small_and_large
    few = _statements(app, login_client(app, small_owner), f"/venues/{small.id}/training{query}")
    many = _statements(app, login_client(app, large_owner), f"/venues/{large.id}/training{query}")
    assert few == many
