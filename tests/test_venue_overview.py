"""The venue overview (matrix data): statuses by the one rule, the venue's policy, isolation,
and a number of SQL statements that does not grow with staff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from tests.factories import (
    AttemptFactory,
    CertificateFactory,
    CompletionFactory,
    MembershipFactory,
    PageViewFactory,
    UserFactory,
    VenueFactory,
)
from training_portal.dashboards.venue import filter_rows, sort_rows, venue_overview
from training_portal.extensions import db
from training_portal.venues.models import Venue

TODAY = date(2026, 11, 30)


def _catalog(app):
    return app.extensions["catalog"].current.ordered


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def _overview(app, venue_id, **kwargs):
    return venue_overview(db.session.get(Venue, venue_id), _catalog(app), TODAY, **kwargs)


def test_cells_follow_the_status_rule(app):
    with app.app_context():
        venue = VenueFactory()
        passed = MembershipFactory(venue=venue, user__name="Alice").user
        reading = MembershipFactory(venue=venue, user__name="Bob").user
        MembershipFactory(venue=venue, user__name="Cara")
        CompletionFactory(user_id=passed.id, module_slug="welcome", module_version="1.2",
                          passed_at=_at(date(2026, 6, 1)), expires_on=date(2027, 6, 1))
        PageViewFactory(user_id=reading.id, module_slug="welcome", page_number=1)
        overview = _overview(app, venue.id)
        by_name = {r.name: r for r in overview.current}
        assert [m.slug for m in overview.modules] == ["welcome", "spiking"]  # drafts left out
        assert by_name["Alice"].cell("welcome").state == "passed"
        assert by_name["Alice"].cell("spiking").state == "not_started"
        assert by_name["Bob"].cell("welcome").state == "in_progress"
        assert by_name["Bob"].cell("welcome").pages_read == 1
        assert by_name["Cara"].never_started and not by_name["Bob"].never_started
        assert overview.counts["welcome"]["passed"] == 1
        assert overview.counts["welcome"]["not_started"] == 1
        assert overview.coverage == 0  # nobody holds both required modules


def test_newest_pass_counts_and_failed_attempts_are_counted(app):
    with app.app_context():
        venue = VenueFactory()
        person = MembershipFactory(venue=venue).user
        CompletionFactory(user_id=person.id, module_slug="welcome",
                          passed_at=_at(date(2024, 1, 10)), expires_on=date(2025, 1, 10))
        newest = CompletionFactory(user_id=person.id, module_slug="welcome",
                                   passed_at=_at(date(2026, 3, 1)), expires_on=date(2027, 3, 1))
        CertificateFactory(completion=newest, code="K7QM3XWD9TRFH2PN")
        AttemptFactory(user_id=person.id, module_slug="spiking", passed=False, score=40,
                       graded_at=_at(date(2026, 11, 1)))
        row = _overview(app, venue.id).current[0]
        welcome = row.cell("welcome")
        assert welcome.state == "passed"
        assert welcome.last_pass.expires_on == date(2027, 3, 1)
        assert welcome.last_pass.certificate_code == "K7QM3XWD9TRFH2PN"
        assert row.cell("spiking").state == "in_progress"
        assert row.cell("spiking").failed_attempts == 1


def test_venue_refresher_shortens_validity_and_major_version_needs_refresher(app):
    with app.app_context():
        venue = VenueFactory(refresher_months=6)
        person = MembershipFactory(venue=venue).user
        # Passed 1 Apr 2026; module valid 12 months, venue renews every 6: due 1 Oct → expired.
        CompletionFactory(user_id=person.id, module_slug="welcome",
                          passed_at=_at(date(2026, 4, 1)), expires_on=date(2027, 4, 1))
        # spiking is at version 2.0: a 1.x pass needs the refresher.
        CompletionFactory(user_id=person.id, module_slug="spiking", module_version="1.4",
                          passed_at=_at(date(2026, 10, 1)), expires_on=date(2027, 10, 1))
        row = _overview(app, venue.id).current[0]
        assert row.cell("welcome").state == "expired"
        assert row.cell("welcome").standing.valid_until == date(2026, 10, 1)
        assert row.cell("welcome").standing.set_by == venue.name
        assert row.cell("spiking").state == "outdated"


def test_required_modules_and_coverage(app):
    with app.app_context():
        venue = VenueFactory(required_modules=["welcome"])
        trained = MembershipFactory(venue=venue).user
        MembershipFactory(venue=venue)
        CompletionFactory(user_id=trained.id, module_slug="welcome",
                          passed_at=_at(date(2026, 11, 1)), expires_on=date(2027, 11, 1))
        overview = _overview(app, venue.id)
        assert [m.slug for m in overview.required_modules] == ["welcome"]
        assert overview.fully_in_date_count == 1
        assert overview.coverage == 0.5


def test_new_starter_deadline(app):
    with app.app_context():
        venue = VenueFactory(starter_deadline_days=14)
        MembershipFactory(venue=venue, user__name="Late", joined_at=_at(date(2026, 11, 15)))
        MembershipFactory(venue=venue, user__name="On time", joined_at=_at(date(2026, 11, 16)))
        overview = _overview(app, venue.id)
        assert [r.name for r in overview.past_starter_deadline] == ["Late"]
        late = next(r for r in overview.current if r.name == "Late")
        assert late.starter_deadline == date(2026, 11, 29)


def test_leavers_are_not_counted_but_can_be_shown(app):
    with app.app_context():
        venue = VenueFactory()
        MembershipFactory(venue=venue, user__name="Stayer")
        leaver = MembershipFactory(venue=venue, user__name="Leaver", left=True).user
        CompletionFactory(user_id=leaver.id, module_slug="welcome")
        assert [r.name for r in _overview(app, venue.id).rows] == ["Stayer"]
        shown = _overview(app, venue.id, include_leavers=True)
        assert [r.name for r in shown.leavers] == ["Leaver"]
        assert [r.name for r in shown.current] == ["Stayer"]
        assert shown.counts["welcome"]["passed"] == 0


def test_another_venues_staff_never_appear(app):
    with app.app_context():
        venue_a, venue_b = VenueFactory(), VenueFactory()
        MembershipFactory(venue=venue_a, user__name="Of A")
        MembershipFactory(venue=venue_b, user__name="Of B")
        assert [r.name for r in _overview(app, venue_a.id).rows] == ["Of A"]


def test_filters_and_sorts(app):
    with app.app_context():
        venue = VenueFactory()
        zed = MembershipFactory(venue=venue, user__name="zed", joined_at=_at(date(2026, 1, 1))).user
        MembershipFactory(venue=venue, user__name="Amy", joined_at=_at(date(2026, 5, 1)))
        CompletionFactory(user_id=zed.id, module_slug="welcome", passed_at=_at(date(2026, 11, 1)),
                          expires_on=date(2027, 11, 1))
        rows = _overview(app, venue.id).current
        assert [r.name for r in sort_rows(rows, "name")] == ["Amy", "zed"]
        assert [r.name for r in sort_rows(rows, "joined")] == ["Amy", "zed"]
        assert [r.name for r in sort_rows(rows, "activity")] == ["zed", "Amy"]
        assert [r.name for r in filter_rows(rows, "welcome", "passed")] == ["zed"]
        assert [r.name for r in filter_rows(rows, None, "not_started")] == ["Amy", "zed"]


def _statements_for(app, venue_id) -> int:
    seen: list[str] = []

    def count(*_args):
        seen.append("x")

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        db.session.expire_all()
        _overview(app, venue_id, include_leavers=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def _staff(venue, n):
    for _ in range(n):
        person = MembershipFactory(venue=venue).user
        CompletionFactory(user_id=person.id, module_slug="welcome")
        PageViewFactory(user_id=person.id, module_slug="spiking", page_number=1)
        AttemptFactory(user_id=person.id, module_slug="spiking")


def test_sql_statements_do_not_grow_with_staff(app):
    with app.app_context():
        small, large = VenueFactory(), VenueFactory()
        _staff(small, 5)
        _staff(large, 50)
        UserFactory()
        assert _statements_for(app, small.id) == _statements_for(app, large.id)
        assert _statements_for(app, large.id) <= 6


def test_due_soon_within_thirty_days(app):
    with app.app_context():
        venue = VenueFactory()
        person = MembershipFactory(venue=venue).user
        CompletionFactory(user_id=person.id, module_slug="welcome",
                          passed_at=_at(date(2025, 12, 30)), expires_on=TODAY + timedelta(days=30))
        assert _overview(app, venue.id).current[0].cell("welcome").state == "due_soon"


def test_my_training_shows_the_stricter_venue_date_and_why(app):
    from tests.conftest import login_client
    from training_portal.timeutil import site_today

    with app.app_context():
        today = site_today()
        strict = VenueFactory(name="The Strict Arms", refresher_months=3)
        relaxed = VenueFactory(name="The Easy Inn", refresher_months=12)
        person = MembershipFactory(venue=strict).user
        MembershipFactory(venue=relaxed, user=person)
        passed = today - timedelta(days=10)
        CompletionFactory(user_id=person.id, module_slug="welcome", passed_at=_at(passed),
                          expires_on=passed + timedelta(days=365))
        page = login_client(app, person).get("/").get_data(as_text=True)
    from training_portal.timeutil import add_months

    expected = add_months(passed, 3)
    assert f"valid until {expected.day} {expected:%b %Y}" in page
    assert "The Strict Arms renews this training more often" in page


def test_a_revoked_certificate_counts_as_no_pass_everywhere(app):
    from tests.conftest import login_client
    from training_portal.certificates import services as certificates
    from training_portal.certificates.models import Certificate

    with app.app_context():
        venue = VenueFactory()
        person = MembershipFactory(venue=venue).user
        admin = UserFactory(admin=True)
        completion = CompletionFactory(user_id=person.id, module_slug="welcome",
                                       passed_at=_at(date(2026, 11, 1)), expires_on=date(2027, 11, 1))
        certificate = CertificateFactory(completion=completion)
        assert _overview(app, venue.id).current[0].cell("welcome").state == "passed"
        certificates.revoke(admin, db.session.get(Certificate, certificate.id), "Passed for someone else")
        db.session.commit()
        cell = _overview(app, venue.id).current[0].cell("welcome")
        assert cell.state == "in_progress" and not cell.standing.in_date
        page = login_client(app, person).get("/").get_data(as_text=True)
    assert "Passed" not in page.split("Welcome to the programme")[1].split("</li>")[0]
    assert login_client(app, person).get("/modules/spiking/quiz").get_data(as_text=True).count(
        "Finish the modules this one builds on first") == 1
