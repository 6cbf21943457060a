from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from tests.conftest import login_client
from tests.factories import PASSWORD, MembershipFactory, UserFactory, VenueFactory
from training_portal.extensions import db
from training_portal.venues import services
from training_portal.venues.models import Membership, Venue


def _venue_with_manager(app, **venue_kw):
    with app.app_context():
        owner = UserFactory()
        venue = VenueFactory(created_by=owner, **venue_kw)
        MembershipFactory(user=owner, venue=venue, manager=True)
    return owner, venue


def test_signed_in_owner_creates_venue_and_manages_it(app):
    with app.app_context():
        owner = UserFactory()
    client = login_client(app, owner)
    response = client.post("/venues/new", data={
        "name": "The Crown", "address": "1 High St", "postcode": "ab1 2cd",
        "licence_number": "PL/123"})
    assert response.status_code == 302
    with app.app_context():
        venue = db.session.scalar(select(Venue))
        assert venue.postcode == "AB1 2CD" and len(venue.join_code) == 8
        membership = db.session.scalar(select(Membership))
        assert membership.user_id == owner.id and membership.is_manager
    assert "The Crown" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_venue_form_rejects_bad_input_and_writes_nothing(app):
    with app.app_context():
        owner = UserFactory()
    client = login_client(app, owner)
    page = client.post("/venues/new", data={
        "name": "N" * 500, "address": "", "postcode": "not a postcode"}).get_data(as_text=True)
    assert "120 characters or fewer" in page
    assert "Enter the venue" in page and "s address" in page
    assert "like SW1A 1AA" in page
    with app.app_context():
        assert db.session.scalar(select(Venue)) is None


def test_join_codes_avoid_ambiguous_characters(app):
    with app.app_context():
        codes = {services.new_join_code() for _ in range(300)}
    assert len(codes) == 300
    assert not set("".join(codes)) & set("0O1IL")


def test_staff_member_joins_by_code_and_joining_twice_is_harmless(app):
    owner, venue = _venue_with_manager(app, join_code="ABCD2345")
    with app.app_context():
        staff = UserFactory()
    client = login_client(app, staff)
    assert "Join The Venue" in client.get("/join/abcd-2345").get_data(as_text=True)
    assert client.post("/join/ABCD2345").status_code == 302
    assert client.post("/join/ABCD2345").status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(Membership).where(Membership.user_id == staff.id)).all()
        assert len(rows) == 1 and rows[0].role == "staff"


def test_anonymous_visitor_is_offered_register_with_way_back(app, client):
    _venue_with_manager(app, join_code="ABCD2345")
    page = client.get("/join/ABCD2345").get_data(as_text=True)
    assert "/register?next=/join/ABCD2345" in page


def test_join_code_form_redirects_and_explains_bad_codes(client, app):
    _venue_with_manager(app, join_code="ABCD2345")
    assert client.post("/join", data={"code": "abcd 2345"}).headers["Location"] == "/join/ABCD2345"
    assert "8 letters and numbers" in client.post("/join", data={"code": "??"}).get_data(True)


def test_unknown_code_says_so_and_suggests_the_poster(client):
    response = client.get("/join/ZZZZ9999")
    assert response.status_code == 404
    assert "Ask your manager for the current poster" in response.get_data(as_text=True)


def test_rotated_code_stops_working(app):
    owner, venue = _venue_with_manager(app, join_code="ABCD2345")
    client = login_client(app, owner)
    client.post(f"/venues/{venue.id}/rotate-code")
    with app.app_context():
        new_code = db.session.get(Venue, venue.id).join_code
    assert new_code != "ABCD2345"
    assert client.get("/join/ABCD2345").status_code == 404
    assert client.get(f"/join/{new_code}").status_code == 200


def test_one_account_can_belong_to_several_venues(app):
    _o1, v1 = _venue_with_manager(app, join_code="AAAA2222")
    _o2, v2 = _venue_with_manager(app, join_code="BBBB3333")
    with app.app_context():
        staff = UserFactory()
    client = login_client(app, staff)
    client.post("/join/AAAA2222")
    client.post("/join/BBBB3333")
    home = client.get("/").get_data(as_text=True)
    assert v1.name in home and v2.name in home


def test_manager_marks_leaver_and_records_stay(app):
    owner, venue = _venue_with_manager(app)
    with app.app_context():
        member = MembershipFactory(venue=venue)
    client = login_client(app, owner)
    client.post(f"/venues/{venue.id}/members/{member.id}/leave")
    with app.app_context():
        row = db.session.get(Membership, member.id)
        assert row.left_at is not None
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "Former staff" in page
    # The person can join again later: a new membership, the old one kept.
    with app.app_context():
        services.join_venue(db.session.get(Membership, member.id).user, venue)
        db.session.commit()
        count = len(db.session.scalars(select(Membership).where(
            Membership.user_id == member.user_id)).all())
    assert count == 2


def test_owner_cannot_be_marked_as_left(app):
    owner, venue = _venue_with_manager(app)
    with app.app_context():
        own = db.session.scalar(select(Membership).where(Membership.user_id == owner.id))
    client = login_client(app, owner)
    client.post(f"/venues/{venue.id}/members/{own.id}/leave")
    with app.app_context():
        assert db.session.get(Membership, own.id).left_at is None


def test_partnership_admin_can_manage_any_venue(app):
    _owner, venue = _venue_with_manager(app)
    with app.app_context():
        admin = UserFactory(admin=True)
    assert login_client(app, admin).get(f"/venues/{venue.id}").status_code == 200


def test_poster_is_a_pdf_for_the_join_address(app):
    owner, venue = _venue_with_manager(app, join_code="ABCD2345")
    response = login_client(app, owner).get(f"/venues/{venue.id}/poster.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


def test_marking_a_leaver_asks_first_and_changes_nothing_until_confirmed(app):
    owner, venue = _venue_with_manager(app)
    with app.app_context():
        member = MembershipFactory(venue=venue)
    client = login_client(app, owner)
    page = client.get(f"/venues/{venue.id}/members/{member.id}/leave").get_data(as_text=True)
    assert "Yes, mark as left" in page and "training records stay" in page
    with app.app_context():
        assert db.session.get(Membership, member.id).left_at is None


def test_manager_cannot_mark_a_member_of_another_venue_as_left(app):
    """The membership id in the address must belong to the venue in the address."""
    owner_a, venue_a = _venue_with_manager(app)
    _owner_b, venue_b = _venue_with_manager(app)
    with app.app_context():
        member_of_b = MembershipFactory(venue=venue_b)
    client = login_client(app, owner_a)
    url = f"/venues/{venue_a.id}/members/{member_of_b.id}/leave"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    with app.app_context():
        assert db.session.get(Membership, member_of_b.id).left_at is None


def test_manager_cannot_change_the_role_of_a_member_of_another_venue(app):
    owner_a, venue_a = _venue_with_manager(app)
    _owner_b, venue_b = _venue_with_manager(app)
    with app.app_context():
        manager_of_b = MembershipFactory(venue=venue_b, manager=True)
    client = login_client(app, owner_a)
    response = client.post(f"/venues/{venue_a.id}/managers/{manager_of_b.id}/remove")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Membership, manager_of_b.id).is_manager


def test_owner_cannot_be_removed_as_a_manager_of_their_own_venue(app):
    owner, venue = _venue_with_manager(app)
    with app.app_context():
        own = db.session.scalar(select(Membership).where(Membership.user_id == owner.id))
        admin = UserFactory(admin=True)
    for who in (owner, admin):
        page = login_client(app, who).post(
            f"/venues/{venue.id}/managers/{own.id}/remove", follow_redirects=True,
        ).get_data(as_text=True)
        assert "owner cannot be removed as a manager" in page
    with app.app_context():
        assert db.session.get(Membership, own.id).is_manager
    assert login_client(app, owner).get(f"/venues/{venue.id}").status_code == 200


def test_venues_page_lists_only_venues_the_person_manages_now(app):
    with app.app_context():
        person = UserFactory()
        managed_b = VenueFactory(name="B Managed")
        managed_a = VenueFactory(name="A Managed")
        MembershipFactory(user=person, venue=managed_b, manager=True)
        MembershipFactory(user=person, venue=managed_a, manager=True)
        MembershipFactory(user=person, venue=VenueFactory(name="Staff Only"))
        MembershipFactory(user=person, venue=VenueFactory(name="Left Long Ago"), manager=True, left=True)
        MembershipFactory(venue=VenueFactory(name="Someone Else's"), manager=True)
        admin = UserFactory(admin=True)
        assert [v.name for v in services.venues_managed_by(person)] == ["A Managed", "B Managed"]
        assert [v.name for v in services.venues_managed_by(admin)] == [
            "A Managed", "B Managed", "Left Long Ago", "Someone Else's", "Staff Only"]
    page = login_client(app, person).get("/venues").get_data(as_text=True)
    assert "A Managed" in page and "B Managed" in page
    for hidden in ("Staff Only", "Left Long Ago", "Someone Else"):
        assert hidden not in page


def test_join_codes_must_be_eight_characters_from_the_alphabet():
    assert services.normalise_join_code(" abcd-2345 ") == "ABCD2345"
    assert services.normalise_join_code("ABCD234") is None  # seven
    assert services.normalise_join_code("ABCD23456") is None  # nine
    assert services.normalise_join_code("ABCD2340") is None  # 0 is not in the alphabet
    assert services.normalise_join_code("ABCDEFGI") is None  # nor is I


def test_a_new_join_code_never_repeats_one_in_use(app, monkeypatch):
    _venue_with_manager(app, join_code="AAAAAAAA")
    picks = iter("A" * 8 + "B" * 8)
    monkeypatch.setattr(services.secrets, "choice", lambda _alphabet: next(picks))
    with app.app_context():
        assert services.new_join_code() == "BBBBBBBB"


def test_venue_page_lists_its_own_people_only_current_by_name_then_leavers_newest_first(app):
    owner, venue = _venue_with_manager(app)
    with app.app_context():
        MembershipFactory(venue=venue, user=UserFactory(name="Zed Current"))
        MembershipFactory(venue=venue, user=UserFactory(name="Abe Current"))
        MembershipFactory(venue=venue, user=UserFactory(name="Early Leaver"),
                          left_at=datetime(2025, 1, 5, tzinfo=UTC))
        MembershipFactory(venue=venue, user=UserFactory(name="Late Leaver"),
                          left_at=datetime(2025, 6, 5, tzinfo=UTC))
        MembershipFactory(user=UserFactory(name="Elsewhere Person"))
        MembershipFactory(user=UserFactory(name="Elsewhere Leaver"), left=True)
        db.session.commit()
        venue_row = db.session.get(Venue, venue.id)
        assert [m.user.name for m in services.active_members(venue_row)] == [
            "Abe Current", owner.name, "Zed Current"]  # the owner is "Person <n>"
        assert [m.user.name for m in services.former_members(venue_row)] == [
            "Late Leaver", "Early Leaver"]
    page = login_client(app, owner).get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "Elsewhere Person" not in page and "Elsewhere Leaver" not in page
    assert page.index("Abe Current") < page.index("Zed Current") < page.index("Former staff")
    assert page.index("Former staff") < page.index("Late Leaver") < page.index("Early Leaver")


def test_my_venues_lists_current_memberships_by_name(app):
    with app.app_context():
        person = UserFactory()
        MembershipFactory(user=person, venue=VenueFactory(name="Zulu Bar"))
        MembershipFactory(user=person, venue=VenueFactory(name="Alpha Club"))
        MembershipFactory(user=person, venue=VenueFactory(name="Former Haunt"), left=True)
        MembershipFactory(venue=VenueFactory(name="Not Mine"))
        assert [m.venue.name for m in services.memberships_of(person)] == ["Alpha Club", "Zulu Bar"]
    page = login_client(app, person).get("/").get_data(as_text=True)
    assert page.index("Alpha Club") < page.index("Zulu Bar")
    assert "Former Haunt" not in page and "Not Mine" not in page


def test_joining_again_says_already_a_member(app):
    _venue_with_manager(app, join_code="ABCD2345")
    with app.app_context():
        staff = UserFactory()
    client = login_client(app, staff)
    first = client.post("/join/ABCD2345", follow_redirects=True).get_data(as_text=True)
    assert "You are a member of" in first and "already" not in first
    again = client.post("/join/ABCD2345", follow_redirects=True).get_data(as_text=True)
    assert "You are already a member of" in again


def _members_of(app, code):
    with app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.join_code == code))
        return [m.user.email for m in services.active_members(venue) if not m.is_manager]


def test_opening_the_join_link_then_registering_makes_you_a_member_on_landing(app, client):
    _venue_with_manager(app, join_code="ABCD2345")
    page = client.get("/join/ABCD2345").get_data(as_text=True)
    assert "nothing more to tap" in page
    response = client.post("/register?next=/join/ABCD2345", data={
        "name": "Sam Staff", "email": "sam@example.org", "password": "a long password 1",
        "password_confirm": "a long password 1"}, follow_redirects=True)
    assert response.request.path == "/my/training"
    assert "You are a member of The Venue" in response.get_data(as_text=True)
    assert _members_of(app, "ABCD2345") == ["sam@example.org"]


def test_opening_the_join_link_then_logging_in_makes_you_a_member_on_landing(app, client):
    _venue_with_manager(app, join_code="ABCD2345")
    with app.app_context():
        UserFactory(email="kim@example.org")
    client.get("/join/ABCD2345")
    response = client.post("/login?next=/join/ABCD2345", data={
        "email": "kim@example.org", "password": PASSWORD}, follow_redirects=True)
    assert response.request.path == "/my/training"
    assert _members_of(app, "ABCD2345") == ["kim@example.org"]


def test_a_link_alone_never_joins_someone_already_signed_in(app):
    _venue_with_manager(app, join_code="ABCD2345")
    with app.app_context():
        staff = UserFactory(email="lee@example.org")
    client = login_client(app, staff)
    assert "Join The Venue" in client.get("/join/ABCD2345").get_data(as_text=True)
    assert _members_of(app, "ABCD2345") == []
