"""A manager of venue A must never reach venue B's pages or actions; staff see no manager pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import login_client
from tests.factories import MembershipFactory, UserFactory, VenueFactory
from training_portal.extensions import db
from training_portal.venues.models import Membership, Venue

VENUE_PAGES = [
    ("get", "/venues/{b}"), ("get", "/venues/{b}/edit"), ("post", "/venues/{b}/edit"),
    ("get", "/venues/{b}/poster.pdf"), ("post", "/venues/{b}/rotate-code"),
    ("get", "/venues/{b}/members/{m}/leave"), ("post", "/venues/{b}/members/{m}/leave"),
    ("post", "/venues/{b}/managers"),
    ("post", "/venues/{b}/managers/{m}/remove"),
]


@pytest.fixture
def two_venues(app):
    with app.app_context():
        manager_a = UserFactory()
        venue_a = VenueFactory(created_by=manager_a)
        MembershipFactory(user=manager_a, venue=venue_a, manager=True)
        owner_b = UserFactory()
        venue_b = VenueFactory(created_by=owner_b, join_code="BBBB2222")
        MembershipFactory(user=owner_b, venue=venue_b, manager=True)
        member_b = MembershipFactory(venue=venue_b)
        staff_b = member_b.user
    return {"manager_a": manager_a, "venue_b": venue_b, "member_b": member_b,
            "staff_b": staff_b}


@pytest.mark.parametrize("who", ["manager_a", "staff_b"])
@pytest.mark.parametrize("method,path", VENUE_PAGES)
def test_outsiders_cannot_reach_venue_b(app, two_venues, who, method, path):
    client = login_client(app, two_venues[who])
    url = path.format(b=two_venues["venue_b"].id, m=two_venues["member_b"].id)
    response = getattr(client, method)(url, data={"email": "x@example.org", "name": "Hacked",
                                                   "address": "x", "postcode": "AB1 2CD"})
    assert response.status_code in (403, 404)
    with app.app_context():
        venue = db.session.get(Venue, two_venues["venue_b"].id)
        assert venue.name != "Hacked" and venue.join_code == "BBBB2222"
        member = db.session.get(Membership, two_venues["member_b"].id)
        assert member.left_at is None
        assert db.session.scalar(select(Membership).join(Membership.user).where(
            Membership.venue_id == venue.id, Membership.role == "manager",
            Membership.user_id == two_venues[who].id)) is None


def test_manager_list_shows_only_own_venues(app, two_venues):
    page = login_client(app, two_venues["manager_a"]).get("/venues").get_data(as_text=True)
    assert two_venues["venue_b"].name not in page


def test_anonymous_visitors_are_sent_to_log_in(client, two_venues):
    response = client.get(f"/venues/{two_venues['venue_b'].id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
