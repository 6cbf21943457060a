"""Inspection links: made and withdrawn by the venue's managers only, opened without an
account, showing no emails, recording each opening, and saying plainly when they stop working."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import login_client
from tests.factories import (
    CertificateFactory,
    CompletionFactory,
    MembershipFactory,
    UserFactory,
    VenueFactory,
)
from tests.pdfs import text_of
from training_portal.audit import AuditEvent
from training_portal.dashboards import inspections
from training_portal.dashboards.models import InspectionLink, InspectionOpening
from training_portal.db import utcnow
from training_portal.extensions import db

LINK = re.compile(r'value="(https://training\.example\.org/inspect/([A-Za-z0-9_-]+))"')


@pytest.fixture
def world(app):
    with app.app_context():
        owner = UserFactory(name="Olive Owner", email="olive.owner@example.org")
        venue = VenueFactory(name="The Lamplighter", created_by=owner, licence_number="LN/0042")
        MembershipFactory(user=owner, venue=venue, manager=True)
        staff = MembershipFactory(venue=venue, user__name="Sam Staff",
                                  user__email="sam.staff@example.org").user
        certificate = CertificateFactory(completion=CompletionFactory(user_id=staff.id),
                                         code="K7QM3XWD9TRFH2PN")
        owner_b = UserFactory(name="Bella Boss")
        venue_b = VenueFactory(name="The Other Place", created_by=owner_b)
        MembershipFactory(user=owner_b, venue=venue_b, manager=True)
        staff_b = MembershipFactory(venue=venue_b, user__name="Barry of B").user
        link_b, _token = inspections.create_link(owner_b, venue_b, "B's visit", 7)
        db.session.commit()
    return {"owner": owner, "venue": venue, "staff": staff, "owner_b": owner_b,
            "venue_b": venue_b, "staff_b": staff_b, "link_b": link_b,
            "emails": [owner.email, staff.email], "certificate": certificate}


def _create(app, user, venue_id, label="Licensing visit, March", days="7"):
    return login_client(app, user).post(f"/venues/{venue_id}/inspection-links",
                                        data={"label": label, "days": days})


def _new_link(app, world, **kwargs):
    response = _create(app, world["owner"], world["venue"].id, **kwargs)
    assert response.status_code == 200
    address, token = LINK.search(response.get_data(as_text=True)).groups()
    return address, token


def _link(app, token):
    with app.app_context():
        return db.session.scalar(select(InspectionLink).where(
            InspectionLink.token_hash == hashlib.sha256(token.encode()).hexdigest()))


# ---------------------------------------------------------------- creating


def test_manager_creates_a_link_shown_once_and_only_its_hash_is_stored(app, world):
    response = _create(app, world["owner"], world["venue"].id)
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "shown only this once" in page
    address, token = LINK.search(page).groups()
    assert address == f"https://training.example.org/inspect/{token}" and len(token) >= 40
    link = _link(app, token)
    assert link is not None and link.venue_id == world["venue"].id
    assert link.label == "Licensing visit, March"
    assert timedelta(days=6, hours=23) < link.expires_at - link.created_at <= timedelta(days=7)
    with app.app_context():
        stored = [str(v) for row in db.session.execute(select(InspectionLink)).scalars()
                  for v in vars(row).values()]
        assert not any(token in value for value in stored)
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "inspection_link.created")).all()
        assert [e.detail["link_id"] for e in events if e.target_id == world["venue"].id] == [
            link.id]
    later = login_client(app, world["owner"]).get(f"/venues/{world['venue'].id}/inspection")
    assert token not in later.get_data(as_text=True)  # never shown again
    assert "Licensing visit, March" in later.get_data(as_text=True)


@pytest.mark.parametrize("days", ["0", "91", "-3", "abc", "", "7.5", "٣", "1e2"])
def test_days_outside_1_to_90_are_refused_beside_the_field(app, world, days):
    response = _create(app, world["owner"], world["venue"].id, days=days)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="days-error"' in page and "from 1 to 90" in page
    with app.app_context():
        assert db.session.scalar(select(InspectionLink).where(
            InspectionLink.venue_id == world["venue"].id)) is None


@pytest.mark.parametrize("days", ["1", "90"])
def test_one_and_ninety_days_are_accepted(app, world, days):
    _new_link(app, world, days=days)


def test_a_label_is_required(app, world):
    response = _create(app, world["owner"], world["venue"].id, label="  ")
    assert response.status_code == 400 and 'id="label-error"' in response.get_data(as_text=True)


def test_venue_page_links_to_the_inspection_page(app, world):
    page = login_client(app, world["owner"]).get(f"/venues/{world['venue'].id}")
    assert f'href="/venues/{world["venue"].id}/inspection"' in page.get_data(as_text=True)


# ---------------------------------------------------------------- opening


def test_anyone_opens_the_link_without_an_account_and_sees_no_emails(app, world):
    _address, token = _new_link(app, world)
    response = app.test_client().get(f"/inspect/{token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("The Lamplighter", "1 High Street, Town, AB1 2CD", "LN/0042", "Sam Staff",
                 "Olive Owner", "K7QM-3XWD-9TRF-H2PN", "In date", "Training policy",
                 f"/inspect/{token}/register.pdf"):
        assert text in page
    assert "Barry of B" not in page
    for email in world["emails"]:
        assert email not in page
    assert "@" not in page
    assert '<meta name="robots" content="noindex">' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_link_pdf_is_the_register_without_emails(app, world):
    _address, token = _new_link(app, world)
    response = app.test_client().get(f"/inspect/{token}/register.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Content-Disposition"].startswith("inline; ")
    text = text_of(response.get_data())
    assert "The Lamplighter" in text and "Sam Staff" in text and "K7QM-3XWD-9TRF-H2PN" in text
    for email in world["emails"]:
        assert email not in text
    assert "@" not in text


def test_each_opening_is_recorded_and_listed_for_the_manager(app, world):
    _address, token = _new_link(app, world)
    officer = app.test_client()
    officer.get(f"/inspect/{token}")
    officer.get(f"/inspect/{token}/register.pdf")
    officer.get(f"/inspect/{token}")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(InspectionOpening)) == 3
    page = login_client(app, world["owner"]).get(
        f"/venues/{world['venue'].id}/inspection").get_data(as_text=True)
    assert "Opened 3 times" in page
    assert page.count('<li>', page.index('class="openings"')) >= 3
    assert "B&#39;s visit" not in page and "B's visit" not in page  # another venue's link


def test_an_expired_link_says_so_and_reveals_nothing(app, world):
    _address, token = _new_link(app, world)
    with app.app_context():
        link = db.session.get(InspectionLink, _link(app, token).id)
        link.expires_at = utcnow() - timedelta(days=2)
        db.session.commit()
    response = app.test_client().get(f"/inspect/{token}")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "This inspection link has expired (on " in page
    assert "Ask the venue for a new one." in page
    for secret in ("The Lamplighter", "Sam Staff", "LN/0042", "Licensing visit"):
        assert secret not in page
    assert response.headers["Cache-Control"] == "no-store"
    assert app.test_client().get(f"/inspect/{token}/register.pdf").status_code == 410
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(InspectionOpening)) == 0
    manager_page = login_client(app, world["owner"]).get(
        f"/venues/{world['venue'].id}/inspection").get_data(as_text=True)
    assert "Expired" in manager_page and "Withdraw" not in manager_page


def test_a_withdrawn_link_stops_at_once(app, world):
    _address, token = _new_link(app, world)
    officer = app.test_client()
    assert officer.get(f"/inspect/{token}").status_code == 200
    link_id = _link(app, token).id
    manager = login_client(app, world["owner"])
    page = manager.get(f"/venues/{world['venue'].id}/inspection").get_data(as_text=True)
    assert f"/inspection-links/{link_id}/withdraw" in page
    response = manager.post(f"/venues/{world['venue'].id}/inspection-links/{link_id}/withdraw",
                            follow_redirects=True)
    assert "no longer works" in response.get_data(as_text=True)
    gone = officer.get(f"/inspect/{token}")
    assert gone.status_code == 410
    page = gone.get_data(as_text=True)
    assert "This inspection link was withdrawn by the venue on " in page
    assert "The Lamplighter" not in page and "Sam Staff" not in page
    assert officer.get(f"/inspect/{token}/register.pdf").status_code == 410
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "inspection_link.withdrawn")).detail["link_id"] == link_id
    again = manager.post(f"/venues/{world['venue'].id}/inspection-links/{link_id}/withdraw",
                         follow_redirects=True)
    assert "already withdrawn" in again.get_data(as_text=True)


def test_a_token_of_the_wrong_shape_is_not_found_before_any_lookup(app, world):
    """Longer than any identifier (urls.IdentifierConverter): the route does not match."""
    assert app.test_client().get(f"/inspect/{'x' * 500}").status_code == 404
    assert app.test_client().get(f"/inspect/{'x' * 500}/register.pdf").status_code == 404


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 43])
def test_an_unknown_token_is_not_found(app, world, token):
    response = app.test_client().get(f"/inspect/{token}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Inspection link not found" in page and "The Lamplighter" not in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert app.test_client().get(f"/inspect/{token}/register.pdf").status_code == 404


def test_opening_links_is_rate_limited(make_app, world):
    app = make_app(INSPECT_RATE_LIMIT="2 per minute")
    client = app.test_client()
    assert [client.get(f"/inspect/guess{i}").status_code for i in range(3)] == [404, 404, 429]


# ---------------------------------------------------------------- the manager's list


def test_the_list_of_links_takes_the_same_queries_however_many_links(app, world):
    def statements_for_list() -> int:
        count = 0

        def count_it(*_args):
            nonlocal count
            count += 1

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count_it)
            try:
                inspections.links_of(world["venue"], utcnow())
            finally:
                event.remove(db.engine, "before_cursor_execute", count_it)
        return count

    with app.app_context():
        link, _t = inspections.create_link(world["owner"], world["venue"], "one", 3)
        db.session.add(InspectionOpening(link_id=link.id, opened_at=utcnow()))
        db.session.commit()
    one = statements_for_list()
    with app.app_context():
        for i in range(6):
            link, _t = inspections.create_link(world["owner"], world["venue"], f"more {i}", 3)
            for _ in range(5):
                db.session.add(InspectionOpening(link_id=link.id, opened_at=utcnow()))
        db.session.commit()
        summaries = inspections.links_of(world["venue"], utcnow())
    assert statements_for_list() == one == 2
    assert len(summaries) == 7
    assert all(s.openings == 5 and len(s.recent_openings) == 3 for s in summaries[:6])
    assert summaries[-1].label == "one" and summaries[-1].openings == 1


# ---------------------------------------------------------------- isolation

MANAGER_ROUTES = [
    ("get", "/venues/{venue}/inspection"),
    ("post", "/venues/{venue}/inspection-links"),
    ("post", "/venues/{venue}/inspection-links/{link}/withdraw"),
    ("get", "/venues/{venue}/register.csv"),
    ("get", "/venues/{venue}/register.pdf"),
]


@pytest.mark.parametrize("who", ["owner", "staff_b"])
@pytest.mark.parametrize("method,path", MANAGER_ROUTES)
def test_only_managers_of_the_venue_reach_its_register_and_links(app, world, who, method, path):
    """A manager of venue A, and plain staff of venue B, get 404 for venue B's pages."""
    url = path.format(venue=world["venue_b"].id, link=world["link_b"].id)
    response = getattr(login_client(app, world[who]), method)(
        url, data={"label": "Sneaky", "days": "30"})
    assert response.status_code == 404
    _venue_b_is_untouched(app, world)


@pytest.mark.parametrize("method,path", MANAGER_ROUTES)
def test_plain_staff_of_venue_a_get_404(app, world, method, path):
    url = path.format(venue=world["venue"].id, link=world["link_b"].id)
    response = getattr(login_client(app, world["staff"]), method)(
        url, data={"label": "Sneaky", "days": "30"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(InspectionLink).where(
            InspectionLink.label == "Sneaky")) is None


def test_withdrawing_another_venues_link_through_an_edited_url_is_not_found(app, world):
    """Manager A's own venue id with venue B's link id."""
    response = login_client(app, world["owner"]).post(
        f"/venues/{world['venue'].id}/inspection-links/{world['link_b'].id}/withdraw")
    assert response.status_code == 404
    _venue_b_is_untouched(app, world)


@pytest.mark.parametrize("method,path", MANAGER_ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(app, world, method, path):
    url = path.format(venue=world["venue_b"].id, link=world["link_b"].id)
    response = getattr(app.test_client(), method)(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _venue_b_is_untouched(app, world):
    with app.app_context():
        links = db.session.scalars(select(InspectionLink).where(
            InspectionLink.venue_id == world["venue_b"].id)).all()
        assert [(link.label, link.withdrawn_at) for link in links] == [("B's visit", None)]
