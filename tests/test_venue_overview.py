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
        certificate = CertificateFactory(completion=newest, code="K7QM3XWD9TRFH2PN")
        AttemptFactory(user_id=person.id, module_slug="spiking", passed=False, score=40,
                       graded_at=_at(date(2026, 11, 1)))
        row = _overview(app, venue.id).current[0]
        welcome = row.cell("welcome")
        assert welcome.state == "passed"
        assert welcome.last_pass.completion_id == newest.id
        assert welcome.last_pass.certificate_id == certificate.id
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
        trained = MembershipFactory(venue=venue, user__name="Trained", joined_at=_on(date(2026, 10, 1))).user
        CompletionFactory(user_id=trained.id, module_slug="welcome", module_version="1.2",
                          passed_at=_at(date(2026, 10, 2)), expires_on=date(2027, 10, 2))
        CompletionFactory(user_id=trained.id, module_slug="spiking", module_version="2.0",
                          passed_at=_at(date(2026, 10, 3)), expires_on=date(2027, 10, 3))
        overview = _overview(app, venue.id)
        assert [r.name for r in overview.past_starter_deadline] == ["Late"]  # not "Trained"
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


def test_a_leaver_who_rejoins_is_current_once_keeps_their_passes_and_starts_a_new_deadline(app):
    """Issue 7's status edge case: a leaver who comes back is one current member (counted once,
    their earlier passes still count), their new-starter deadline runs from the day they came
    back, and the earlier stint stays on record among former staff."""
    from training_portal.dashboards.register import build_register

    with app.app_context():
        venue = VenueFactory(starter_deadline_days=14)
        first = MembershipFactory(venue=venue, user__name="Rita Rejoiner",
                                  joined_at=_at(date(2025, 1, 6)), left_at=_at(date(2025, 6, 1)))
        rita = first.user
        again = MembershipFactory(venue=venue, user=rita, joined_at=_at(date(2026, 11, 20)))
        CompletionFactory(user_id=rita.id, module_slug="welcome", module_version="1.2",
                          passed_at=_at(date(2026, 3, 2)), expires_on=date(2027, 3, 2))
        overview = _overview(app, venue.id, include_leavers=True)
        (current,) = overview.current
        assert current.membership_id == again.id and current.left_at is None
        assert current.cell("welcome").state == "passed"  # passed between stints: still counts
        assert current.cell("spiking").state == "not_started"
        assert current.starter_deadline == date(2026, 12, 4)  # 14 days from coming back
        assert not current.past_starter_deadline  # 30 Nov: still within it
        assert overview.counts["welcome"]["passed"] == 1 and overview.coverage == 0
        assert [r.membership_id for r in overview.leavers] == [first.id]
        register = build_register(db.session.get(Venue, venue.id), _catalog(app), TODAY)
        assert [p.name for p in register.people] == ["Rita Rejoiner"]  # once, not per stint
        late = venue_overview(db.session.get(Venue, venue.id), _catalog(app), date(2026, 12, 5))
        assert [r.name for r in late.past_starter_deadline] == ["Rita Rejoiner"]


def test_a_module_made_required_after_people_passed_it_counts_their_passes_under_the_policy(app):
    """Issue 7's status edge case: passes made while a module was optional count once it is
    required (nobody retakes an in-date module), and from then on the venue's refresher applies
    to it too, so a pass older than the refresher period is expired."""
    with app.app_context():
        venue = VenueFactory(required_modules=["welcome"], refresher_months=6)
        recent = MembershipFactory(venue=venue, user__name="Recent").user
        older = MembershipFactory(venue=venue, user__name="Older").user
        for person in (recent, older):
            CompletionFactory(user_id=person.id, module_slug="welcome", module_version="1.2",
                              passed_at=_at(date(2026, 10, 1)), expires_on=date(2027, 10, 1))
        CompletionFactory(user_id=recent.id, module_slug="spiking", module_version="2.0",
                          passed_at=_at(date(2026, 9, 1)), expires_on=date(2027, 9, 1))
        CompletionFactory(user_id=older.id, module_slug="spiking", module_version="2.0",
                          passed_at=_at(date(2026, 3, 2)), expires_on=date(2027, 3, 2))
        before = {r.name: r for r in _overview(app, venue.id).current}
        assert before["Older"].cell("spiking").state == "passed"  # optional: its own 12 months
        assert not before["Older"].cell("spiking").required
        assert _overview(app, venue.id).coverage == 1

        db.session.get(Venue, venue.id).required_modules = ["welcome", "spiking"]
        db.session.flush()
        overview = _overview(app, venue.id)
        after = {r.name: r for r in overview.current}
        assert after["Recent"].cell("spiking").state == "passed" and after["Recent"].fully_in_date
        older_spiking = after["Older"].cell("spiking")
        assert older_spiking.required and older_spiking.state == "expired"
        assert older_spiking.standing.valid_until == date(2026, 9, 2)
        assert older_spiking.standing.set_by == venue.name
        assert overview.coverage == 0.5


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


# --- the matrix rules at their edges (docs/testing.md, "Mutation testing") ----------------------

def _on(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _pass(person_id: int, slug: str, passed: date, expires: date, started: date | None = None):
    attempt = AttemptFactory(user_id=person_id, module_slug=slug, graded=True,
                             started_at=_on(started or passed), graded_at=_on(passed))
    return CompletionFactory(user_id=person_id, module_slug=slug, attempt_id=attempt.id,
                             passed_at=_on(passed), expires_on=expires)


def test_last_activity_is_the_latest_of_reading_trying_and_passing_and_is_in_utc(app):
    with app.app_context():
        venue = VenueFactory()
        reader = MembershipFactory(venue=venue, user__name="Reader").user
        trier = MembershipFactory(venue=venue, user__name="Trier").user
        passer = MembershipFactory(venue=venue, user__name="Passer").user
        MembershipFactory(venue=venue, user__name="Idle")
        for person, read, tried, passed in ((reader, 20, 10, 5), (trier, 5, 21, 10), (passer, 5, 10, 22)):
            PageViewFactory(user_id=person.id, module_slug="spiking", viewed_at=_on(date(2026, 11, read)))
            AttemptFactory(user_id=person.id, module_slug="spiking", started_at=_on(date(2026, 11, tried)))
            _pass(person.id, "welcome", date(2026, 11, passed), date(2027, 11, passed), started=date(2026, 11, 1))
        PageViewFactory(user_id=trier.id, module_slug="welcome", viewed_at=_on(date(2026, 11, 2)))
        overview = _overview(app, venue.id)
        assert (overview.venue_id, overview.today) == (venue.id, TODAY)
        rows = {r.name: r for r in overview.current}
        assert rows["Reader"].last_activity == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
        assert rows["Trier"].last_activity == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
        assert rows["Passer"].last_activity == datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
        assert rows["Idle"].last_activity is None
        assert rows["Reader"].last_activity.utcoffset() == timedelta(0)
        spiking = rows["Trier"].cell("spiking")
        assert (spiking.pages_read, spiking.attempts, spiking.failed_attempts) == (1, 1, 0)
        idle = rows["Idle"].cell("spiking")
        assert (idle.pages_read, idle.attempts, idle.failed_attempts) == (0, 0, 0)
        welcome = rows["Trier"].cell("welcome")
        assert (welcome.pages_read, welcome.attempts, welcome.failed_attempts) == (1, 1, 0)


def test_last_nudge_is_the_latest_one_sent_from_this_venue(app):
    from training_portal.dashboards.models import Nudge

    with app.app_context():
        venue, other = VenueFactory(), VenueFactory()
        person = MembershipFactory(venue=venue).user
        MembershipFactory(venue=other, user=person)
        for where, day in ((venue, 3), (venue, 9), (venue, 6), (other, 20)):
            db.session.add(Nudge(venue_id=where.id, user_id=person.id, sent_at=_on(date(2026, 11, day))))
        db.session.commit()
        assert _overview(app, venue.id).current[0].last_nudged_at == datetime(2026, 11, 9, 12, 0, tzinfo=UTC)


def test_one_persons_row_is_the_same_as_their_row_in_the_matrix(app):
    from training_portal.dashboards.models import Nudge
    from training_portal.dashboards.venue import person_overview
    from training_portal.venues.models import Membership

    with app.app_context():
        venue = VenueFactory(refresher_months=6, required_modules=["welcome"], starter_deadline_days=14)
        leaver = MembershipFactory(venue=venue, user__name="Leaver", joined_at=_on(date(2026, 1, 5)),
                                   left_at=_on(date(2026, 10, 1)))
        stayer = MembershipFactory(venue=venue, user__name="Stayer", joined_at=_on(date(2026, 11, 1)))
        _pass(leaver.user_id, "welcome", date(2026, 4, 1), date(2027, 4, 1))
        PageViewFactory(user_id=leaver.user_id, module_slug="spiking", viewed_at=_on(date(2026, 9, 1)))
        AttemptFactory(user_id=stayer.user_id, module_slug="welcome", passed=False, score=20,
                       graded_at=_on(date(2026, 11, 2)), started_at=_on(date(2026, 11, 2)))
        db.session.add(Nudge(venue_id=venue.id, user_id=stayer.user_id, sent_at=_on(date(2026, 11, 20))))
        db.session.commit()
        matrix = {r.name: r for r in _overview(app, venue.id, include_leavers=True).rows}
        for membership in (leaver, stayer):
            row = person_overview(db.session.get(Venue, venue.id), db.session.get(Membership, membership.id),
                                  _catalog(app), TODAY)
            assert row == matrix[row.name]
        assert matrix["Leaver"].cell("welcome").state == "expired"  # 6-month refresher: 1 Oct 2026
        assert matrix["Stayer"].past_starter_deadline  # joined 1 Nov, deadline 15 Nov, not trained
        assert matrix["Stayer"].cell("welcome").failed_attempts == 1
        assert (matrix["Stayer"].email, matrix["Stayer"].role) == (stayer.user.email, "staff")


def test_filtering_by_status(app):
    with app.app_context():
        venue = VenueFactory()
        done = MembershipFactory(venue=venue, user__name="Done").user
        MembershipFactory(venue=venue, user__name="New")
        _pass(done.id, "welcome", date(2026, 11, 1), date(2027, 11, 1))
        rows = _overview(app, venue.id).current
        assert [r.name for r in filter_rows(rows)] == ["Done", "New"]  # no state: everyone
        assert [r.name for r in filter_rows(rows, "welcome")] == ["Done", "New"]
        assert [r.name for r in filter_rows(rows, "welcome", "not_started")] == ["New"]
        assert [r.name for r in filter_rows(rows, "no-such-module", "passed")] == []
        assert [r.name for r in filter_rows(rows, None, "passed")] == ["Done"]


def test_sorting_by_activity_puts_people_never_active_last_newest_joiner_first(app):
    with app.app_context():
        venue = VenueFactory()
        early = MembershipFactory(venue=venue, user__name="Early", joined_at=_on(date(2026, 10, 20))).user
        late = MembershipFactory(venue=venue, user__name="Late", joined_at=_on(date(2026, 3, 1))).user
        MembershipFactory(venue=venue, user__name="Idle new", joined_at=_on(date(2026, 11, 25)))
        MembershipFactory(venue=venue, user__name="Idle old", joined_at=_on(date(2026, 2, 1)))
        PageViewFactory(user_id=early.id, viewed_at=_on(date(2026, 11, 1)))
        PageViewFactory(user_id=late.id, viewed_at=_on(date(2026, 11, 20)))
        rows = _overview(app, venue.id).current
        assert [r.name for r in sort_rows(rows, "activity")] == ["Late", "Early", "Idle new", "Idle old"]
        assert [r.name for r in sort_rows(rows, "joined")] == ["Idle new", "Early", "Late", "Idle old"]


def test_sorting_by_status_puts_the_worst_required_module_first_then_by_name(app):
    with app.app_context():
        venue = VenueFactory(required_modules=["welcome"])
        for name in ("cat", "Bea", "Abe", "Dee"):
            MembershipFactory(venue=venue, user__name=name)
        people = {r.name: r.user_id for r in _overview(app, venue.id).current}
        _pass(people["Abe"], "welcome", date(2026, 11, 1), date(2027, 11, 1))  # passed
        _pass(people["Bea"], "welcome", date(2025, 1, 1), date(2026, 1, 1))  # expired
        _pass(people["Dee"], "spiking", date(2026, 11, 1), date(2027, 11, 1))  # not required
        rows = list(reversed(_overview(app, venue.id).current))
        assert [r.worst_state for r in sorted(rows, key=lambda r: r.name)] == [
            "passed", "expired", "not_started", "not_started"]
        assert [r.name for r in sort_rows(rows, "status")] == ["Bea", "cat", "Dee", "Abe"]
        assert [r.name for r in sort_rows(rows, "name")] == ["Abe", "Bea", "cat", "Dee"]
        assert [r.name for r in sort_rows(rows, "anything else")] == ["Abe", "Bea", "cat", "Dee"]


def test_people_with_the_same_name_keep_the_order_they_joined_in(app):
    with app.app_context():
        venue = VenueFactory()
        later = MembershipFactory(venue=venue, user__name="Kim", joined_at=_on(date(2026, 6, 1)))
        earlier = MembershipFactory(venue=venue, user__name="Kim", joined_at=_on(date(2026, 4, 1)))
        assert [r.membership_id for r in _overview(app, venue.id).current] == [earlier.id, later.id]
        venue = VenueFactory()
        first = MembershipFactory(venue=venue, user__name="Sam", joined_at=_on(date(2026, 5, 1)))
        second = MembershipFactory(venue=venue, user__name="sam", joined_at=_on(date(2026, 5, 1)))
        rows = list(reversed(_overview(app, venue.id).current))
        assert [r.membership_id for r in sort_rows(rows, "name")] == [first.id, second.id]
        assert [r.membership_id for r in sort_rows(rows, "joined")] == [first.id, second.id]


def test_a_venue_requiring_nothing_and_a_venue_without_staff(app):
    with app.app_context():
        nothing = VenueFactory(required_modules=[])
        MembershipFactory(venue=nothing)
        overview = _overview(app, nothing.id)
        assert overview.required_modules == ()
        assert overview.coverage == 1  # nothing required: everyone is in date
        assert overview.current[0].worst_state == "not_started"  # worst of all modules then
        empty = _overview(app, VenueFactory().id)
        assert empty.coverage is None
        assert empty.fully_in_date_count == 0


def test_times_summed_up_in_sql_are_read_as_utc_whatever_the_servers_zone(app, monkeypatch):
    import time

    with app.app_context():
        venue = VenueFactory()
        person = MembershipFactory(venue=venue).user
        PageViewFactory(user_id=person.id, viewed_at=_on(date(2026, 11, 20)))
        monkeypatch.setenv("TZ", "America/New_York")
        time.tzset()
        try:
            last = _overview(app, venue.id).current[0].last_activity
        finally:
            monkeypatch.undo()
            time.tzset()
        assert last == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
