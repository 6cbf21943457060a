"""Partnership overview: figures against hand-computed fixtures, the small-number rule, access,
exports, filters and a number of SQL statements that does not grow with the data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import login_client
from tests.factories import (
    AttemptFactory,
    CompletionFactory,
    ConfidenceRatingFactory,
    MembershipFactory,
    UserFactory,
    VenueFactory,
)
from tests.pdfs import text_of
from training_portal.audit import AuditEvent
from training_portal.extensions import db
from training_portal.programme import coverage_target
from training_portal.reports import stats
from training_portal.reports.programme import Filters, programme_figures
from training_portal.reports.tables import area_table, coverage_rows, first_attempt_table, headline
from training_portal.timeutil import site_today
from training_portal.venues.models import Venue


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def _pass_both(user_id: int, today: date, days_ago: int = 10) -> None:
    for slug, version in (("welcome", "1.2"), ("spiking", "2.0")):
        CompletionFactory(user_id=user_id, module_slug=slug, module_version=version,
                          passed_at=_at(today - timedelta(days=days_ago)),
                          expires_on=today + timedelta(days=300))


def _staff(venue, n: int, in_date: int, today: date) -> list[int]:
    ids = []
    for i in range(n):
        user = MembershipFactory(venue=venue).user
        if i < in_date:
            _pass_both(user.id, today)
        ids.append(user.id)
    return ids


@pytest.fixture
def world(app):
    """A: 5 staff, 4 in date (80 %); B: 4 staff, 1 in date (too few to show); C: 6 staff, 3 in date (50 %)."""
    with app.app_context():
        today = site_today()
        a = VenueFactory(name="Anchor", area="North")
        b = VenueFactory(name="Bell", area="North")
        c = VenueFactory(name="Crown", area="South")
        _staff(a, 5, 4, today)
        _staff(b, 4, 1, today)
        _staff(c, 6, 3, today)
        admin = UserFactory(admin=True)
        return {"a": a.id, "b": b.id, "c": c.id, "admin": admin, "today": today}


def _catalog(app):
    return app.extensions["catalog"].current.ordered


def _figures(app, **kw):
    today = site_today()
    filters = Filters(kw.pop("date_from", today - timedelta(weeks=26)), kw.pop("date_to", today), kw.pop("area", None))
    return programme_figures(_catalog(app), filters, today)


def test_coverage_per_venue_and_below_target_first(app, world):
    with app.app_context():
        figures = _figures(app)
        rows = coverage_rows(figures, 75)
        assert [r.venue.name for r in rows] == ["Crown", "Anchor", "Bell"]
        crown, anchor, bell = rows
        assert (crown.venue.staff, crown.venue.in_date, crown.coverage.text(), crown.standing) == (6, 3, "50%", "below")
        assert (anchor.coverage.text(), anchor.standing) == ("80%", "met")
        assert bell.staff.text() == "fewer than 5" and bell.coverage.text() == "fewer than 5"
        assert anchor.staff.text() == "5"
        assert (figures.people, figures.people_in_date) == (15, 8)
        assert figures.area_people == {"North": (9, 5), "South": (6, 3)}


def test_area_and_programme_totals_never_give_a_small_venue_away(app, world):
    """Bell (North) has 4 staff, 1 in date: "fewer than 5" in the venue table. North's 9 staff
    and 55 % beside Anchor's 5 and 80 % would give Bell's 4 and 1 away, and so would the
    programme's 15 and 8 beside the three venues: those totals are "not shown". South holds one
    venue of 6 and no small one, so its figures stay."""
    client = login_client(app, world["admin"])
    rows = list(csv.reader(io.StringIO(client.get("/partnership/overview.csv?table=areas")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1:] == [["North", "fewer than 5", "not shown", "not shown"],
                        ["South", "fewer than 5", "6", "50%"]]
    with app.app_context():
        figures = _figures(app)
        head = headline(figures, coverage_rows(figures, 75))
        assert (head.people.text(), head.people_in_date.text(), head.share_in_date.text()) == (
            "not shown", "not shown", "not shown")
    html = client.get("/partnership").get_data(as_text=True)
    assert ">15<" not in html and "53%" not in html and "55%" not in html
    text = text_of(client.get("/partnership/report.pdf").get_data())
    assert "55%" not in text and "Staff (current, each person once): not shown." in text


def test_totals_stay_when_the_small_venues_cannot_be_told_apart(app, world):
    """Add two more small venues in North (3 staff, 2 in date; 4 staff, 1 in date): Bell and
    them together are 11 hidden people, 5 of them in date and 6 not, so no venue can be worked out."""
    with app.app_context():
        today = world["today"]
        _staff(VenueFactory(name="Dial", area="North"), 3, 2, today)
        _staff(VenueFactory(name="Eagle", area="North"), 4, 2, today)
        figures = _figures(app)
        north = next(r for r in area_table(figures).text_rows() if r[0] == "North")
        assert north[2:] == ["16", "56%"]  # 5 + 4 + 3 + 4 staff; 4 + 1 + 2 + 2 in date
        head = headline(figures, coverage_rows(figures, 75))
        assert (head.people.text(), head.people_in_date.text()) == ("22", "12")


def test_an_area_of_one_person_venues_is_withheld_and_the_page_still_answers(app, world):
    with app.app_context():
        for name in ("Fox", "Goat", "Hare", "Ibis"):
            _staff(VenueFactory(name=name, area="Tiny"), 1, 0, world["today"])
    client = login_client(app, world["admin"])
    assert client.get("/partnership").status_code == 200
    assert client.get("/partnership/report.pdf").status_code == 200
    rows = list(csv.reader(io.StringIO(client.get("/partnership/overview.csv?table=areas")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert ["Tiny", "fewer than 5", "fewer than 5", "fewer than 5"] in rows


def test_person_at_two_venues_counts_once_and_in_date_only_if_in_date_at_both(app, world):
    with app.app_context():
        today = world["today"]
        strict = VenueFactory(name="Dock", required_modules=["welcome"], refresher_months=1)
        person = MembershipFactory(venue=db.session.get(Venue, world["a"])).user
        MembershipFactory(venue=strict, user=person)
        for slug, version in (("welcome", "1.2"), ("spiking", "2.0")):
            CompletionFactory(user_id=person.id, module_slug=slug, module_version=version,
                              passed_at=_at(today - timedelta(days=60)), expires_on=today + timedelta(days=300))
        figures = _figures(app)
        assert figures.people == 16  # one more person, though two more memberships
        assert figures.people_in_date == 8  # in date at Anchor, not at Dock (1-month refresher)
        dock = next(v for v in figures.venues if v.name == "Dock")
        assert (dock.staff, dock.in_date) == (1, 0)


def test_starters_past_deadline_counted_per_venue(app):
    with app.app_context():
        today = site_today()
        venue = VenueFactory(starter_deadline_days=14)
        MembershipFactory(venue=venue, joined_at=_at(today - timedelta(days=30)))  # late
        MembershipFactory(venue=venue, joined_at=_at(today - timedelta(days=3)))  # still has time
        trained = MembershipFactory(venue=venue, joined_at=_at(today - timedelta(days=30))).user
        _pass_both(trained.id, today)
        (row,) = _figures(app).venues
        assert row.past_deadline == 1


def test_weekly_completions_and_the_small_number_rule(app):
    with app.app_context():
        today = site_today()
        monday = stats.week_start(today) - timedelta(weeks=2)
        for i in range(6):
            CompletionFactory(module_slug="welcome", passed_at=_at(monday + timedelta(days=i % 3)))
        for _ in range(2):
            CompletionFactory(module_slug="spiking", module_version="2.0", passed_at=_at(monday + timedelta(days=1)))
        figures = _figures(app)
        weekly = dict(figures.weekly["welcome"])
        assert weekly[monday] == 6 and weekly[monday + timedelta(weeks=1)] == 0
        assert dict(figures.weekly["spiking"])[monday] == 2
        assert len(figures.weekly["welcome"]) == 27  # every week the range touches
        from training_portal.reports.tables import weekly_table
        row = next(r for r in weekly_table(figures).text_rows() if r[0] == monday.isoformat())
        assert row[1:] == ["6", "fewer than 5", "not shown"]  # 8 = 6 + ? would give the 2 away


def test_first_attempt_pass_rate_and_median_attempts(app):
    with app.app_context():
        today = site_today()
        start = _at(today - timedelta(days=20))
        tries = [[True], [True], [False, True], [False, False, True], [True], [False, True]]
        rows = []
        for person, results in enumerate(tries):
            user = UserFactory()
            for n, passed in enumerate(results):
                at = start + timedelta(hours=person, minutes=n)
                AttemptFactory(user_id=user.id, module_slug="welcome", passed=passed, score=80 if passed else 20,
                               started_at=at, graded_at=at)
                rows.append((user.id, "welcome", at, passed))
        AttemptFactory(user_id=user.id, module_slug="welcome", passed=None, started_at=start - timedelta(days=1))
        figures = _figures(app)
        first = figures.first_attempts["welcome"]
        assert first == stats.pass_rate_first_attempt(rows, "welcome")
        assert (first.passed, first.attempted) == (3, 6)
        assert first.rate().text() == "50%"
        assert sorted(figures.attempts_to_pass["welcome"]) == [1, 1, 1, 2, 2, 3]
        assert figures.median_attempts("welcome") == 1.5
        table = first_attempt_table(figures).text_rows()
        assert table[0] == ["Welcome to the programme", "6", "50%"]
        assert table[1][1:] == ["0", "fewer than 5"]  # spiking: nobody


def test_the_all_modules_first_attempt_row_never_gives_a_small_module_away(app):
    """Welcome: 6 first attempts, 3 passed. Spiking: 3, 2 passed ("fewer than 5"). All modules'
    9 and 55 % would give spiking's 3 and 2 away, so that row is "not shown"; with 6 first
    attempts at spiking too, every figure is shown."""
    with app.app_context():
        start = _at(site_today() - timedelta(days=20))

        def first_tries(slug: str, results: list[bool]) -> None:
            for n, passed in enumerate(results):
                AttemptFactory(user_id=UserFactory().id, module_slug=slug, passed=passed,
                               score=80 if passed else 20, started_at=start + timedelta(minutes=n),
                               graded_at=start + timedelta(minutes=n))

        first_tries("welcome", [True, True, True, False, False, False])
        first_tries("spiking", [True, True, False])
        table = first_attempt_table(_figures(app)).text_rows()
        assert table[1][1:] == ["fewer than 5", "fewer than 5"]
        assert table[2] == ["All modules (person × module)", "not shown", "not shown"]
        first_tries("spiking", [True, False, True])
        table = first_attempt_table(_figures(app)).text_rows()
        assert table[1][1:] == ["6", "66%"] and table[2][1:] == ["12", "58%"]


def test_date_range_and_area_filter_the_dated_figures(app, world):
    with app.app_context():
        today = world["today"]
        north = _figures(app, area="North")
        assert [v.name for v in north.venues] == ["Anchor", "Bell"]
        assert sum(n for _, n in north.weekly["welcome"]) == 5
        old = _figures(app, date_from=today - timedelta(days=400), date_to=today - timedelta(days=200))
        assert sum(n for _, n in old.weekly["welcome"]) == 0
        assert old.people_in_date == 8  # coverage is as of today whatever the period


# --- pages ---------------------------------------------------------------------------------------

PAGES = ["/partnership", "/partnership/outcomes", "/partnership/venues", "/partnership/report.pdf",
         "/partnership/overview.csv?table=coverage"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["staff", "trainer", "manager"])
def test_only_partnership_admins_see_partnership_pages(app, world, path, role):
    with app.app_context():
        venue = db.session.get(Venue, world["a"])
        user = (UserFactory() if role == "staff" else UserFactory(trainer=True) if role == "trainer"
                else MembershipFactory(venue=venue, manager=True).user)
    assert login_client(app, user).get(path).status_code == 403
    for post in ("/partnership/target", f"/partnership/venues/{world['a']}/area"):
        assert login_client(app, user).post(post, data={"target": "50", "area": "X"}).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_admin_sees_every_partnership_page(app, world, path):
    assert login_client(app, world["admin"]).get(path).status_code == 200


def test_admin_home_is_the_overview(app, world):
    response = login_client(app, world["admin"]).get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/partnership")


def test_overview_shows_counts_never_names(app, world):
    html = login_client(app, world["admin"]).get("/partnership").get_data(as_text=True)
    assert "Crown" in html and "50%" in html and "80%" in html and "fewer than 5" in html
    assert html.index("Crown") < html.index("Anchor</th>") < html.index("Bell</th>")
    assert "Person " not in html and "@example.org" not in html
    assert "<svg" in html and "<desc" in html and "style=" not in html and "<script" not in html


def test_target_form_validates_and_audits(app, world):
    client = login_client(app, world["admin"])
    for bad in ("0", "101", "abc", ""):
        response = client.post("/partnership/target", data={"target": bad})
        assert response.status_code == 400
        assert "Enter a whole number from 1 to 100." in response.get_data(as_text=True)
    assert client.post("/partnership/target", data={"target": "60"}).status_code == 302
    with app.app_context():
        assert coverage_target() == 60
        event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "programme.coverage_target_set"))
        assert event_.detail == {"old": 75, "new": 60}
    html = client.get("/partnership").get_data(as_text=True)
    assert "Venues below the 60% target" in html


def test_area_is_set_by_the_partnership_and_audited(app, world):
    client = login_client(app, world["admin"])
    assert client.post(f"/partnership/venues/{world['b']}/area", data={"area": "  Harbour "}).status_code == 302
    assert client.post(f"/partnership/venues/{world['b']}/area", data={"area": "x" * 81}).status_code == 302
    assert client.post("/partnership/venues/999999/area", data={"area": "X"}).status_code == 404
    with app.app_context():
        assert db.session.get(Venue, world["b"]).area == "Harbour"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "venue.area_set")).detail == {
            "old": "North", "new": "Harbour"}
    assert "Harbour" in client.get("/partnership?area=Harbour").get_data(as_text=True)


@pytest.mark.parametrize(("area", "message"), [
    ("x" * 81, "Use 80 characters or fewer."),
    ("North\x07side", "Remove the invisible or control characters from this field."),
])
def test_a_refused_area_is_named_with_the_reason_and_changes_nothing(app, world, area, message):
    client = login_client(app, world["admin"])
    response = client.post(f"/partnership/venues/{world['b']}/area", data={"area": area, "page": "1"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Bell: {message}" in page
    with app.app_context():
        assert db.session.get(Venue, world["b"]).area == "North"


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-05-01&to=2026-01-01", "The start date is after the end date."),
    ("from=yesterday", "is not a date"),
    ("from=1900-01-01", "Choose dates between"),
    ("from=2020-01-01&to=2025-12-31", "at most three years"),
    ("to=9999-12-31", "Choose dates between"),
    ("area=Atlantis", "There is no area called"),
    ("from=2026-02-30", "is not a date"),
])
def test_bad_filters_give_a_message_and_the_default(app, world, query, message):
    client = login_client(app, world["admin"])
    for path in ("/partnership", "/partnership/outcomes"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200
        assert message in response.get_data(as_text=True).replace("&#34;", '"')
    assert client.get(f"/partnership/overview.csv?table=weekly&{query}").status_code == 200


def test_huge_and_forged_pages_give_a_message(app, world):
    client = login_client(app, world["admin"])
    for page in ("99999999999", "-1", "abc", "2"):
        response = client.get(f"/partnership/venues?page={page}")
        assert response.status_code == 200
        assert "There is no page" in response.get_data(as_text=True)
    assert client.get("/partnership/overview.csv?table=people").status_code == 400


def test_csv_export_has_bom_neutralised_cells_and_withheld_figures(app, world):
    with app.app_context():
        db.session.get(Venue, world["c"]).name = "=HYPERLINK(\"x\")"
        db.session.commit()
    response = login_client(app, world["admin"]).get("/partnership/overview.csv?table=coverage")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and response.content_type == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Venue", "Area", "Current staff", "In date", "Against target"]
    assert rows[1] == ["'=HYPERLINK(\"x\")", "South", "6", "50%", "below target"]
    assert rows[3] == ["Bell", "North", "fewer than 5", "fewer than 5", "fewer than 5 staff"]


def test_every_table_exports(app, world):
    client = login_client(app, world["admin"])
    for name in ("coverage", "deadlines", "weekly", "first_attempt", "attempts", "areas", "outcomes"):
        response = client.get(f"/partnership/overview.csv?table={name}&area=North")
        assert response.status_code == 200, name
        assert response.get_data().startswith(b"\xef\xbb\xbf")


def test_report_pdf_has_the_figures(app, world):
    response = login_client(app, world["admin"]).get("/partnership/report.pdf")
    assert response.mimetype == "application/pdf"
    text = text_of(response.get_data())
    for expected in ("Programme report", "Coverage per area", "North", "South", "Crown", "50%",
                     "Pass rate at the first attempt", "Confidence before and after", "fewer than 5"):
        assert expected in text, expected
    assert "Person " not in text


def test_one_person_passing_four_modules_in_a_week_still_gives_a_page(make_app):
    """With the real content (six modules), one new starter passing four modules in one week
    made that week's row [1, 1, 1, 1, 0, 0]: its total, even as "fewer than 5", would say
    each is exactly 1, and the rule refused the table, so the overview, the CSV and the board
    report answered 500. That week's total is now "not shown"."""
    from pathlib import Path

    app = make_app(CONTENT_DIR=str(Path(__file__).resolve().parent.parent / "content"))
    with app.app_context():
        slugs = [m.slug for m in app.extensions["catalog"].current.ordered if m.is_published]
        assert len(slugs) >= 4
        today = site_today()
        person = UserFactory()
        for slug in slugs[:4]:
            CompletionFactory(user_id=person.id, module_slug=slug, passed_at=_at(today),
                              expires_on=today + timedelta(days=365))
        admin = UserFactory(admin=True)
    client = login_client(app, admin)
    assert client.get("/partnership").status_code == 200
    assert client.get("/partnership/report.pdf").status_code == 200
    response = client.get("/partnership/overview.csv?table=weekly")
    assert response.status_code == 200
    this_week = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))[-1]
    assert this_week[0] == stats.week_start(today).isoformat()
    assert this_week[1:] == ["fewer than 5"] * 4 + ["0"] * (len(slugs) - 4) + ["not shown"]


# --- outcomes ------------------------------------------------------------------------------------

def test_outcomes_pair_only_people_who_answered_both(app, world):
    with app.app_context():
        now = datetime.now(UTC)
        for i in range(6):
            user = UserFactory()
            ConfidenceRatingFactory(user_id=user.id, stage="before", rating=2, created_at=now - timedelta(days=3))
            if i < 5:
                ConfidenceRatingFactory(user_id=user.id, stage="after", rating=4, created_at=now - timedelta(days=1))
        lone = UserFactory()
        ConfidenceRatingFactory(user_id=lone.id, stage="after", rating=1, created_at=now - timedelta(days=1))
    html = login_client(app, world["admin"]).get("/partnership/outcomes").get_data(as_text=True)
    assert "5 pairs of answers" in html
    assert "+2.00" not in html and "2.00 points" in html
    response = login_client(app, world["admin"]).get("/partnership/overview.csv?table=outcomes")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    before, after, change = rows[1:4]
    assert before[:3] == ["Welcome to the programme", "before", "6"] and before[4] == "100%"
    assert after[:3] == ["Welcome to the programme", "after", "6"]
    assert change[1:3] == ["paired change", "5"] and change[8:] == ["100%", "0%", "0%", "2.00"]


def test_all_modules_outcomes_never_give_a_small_module_away(app, world):
    """Welcome: 6 people rated 2 before and 4 after. Spiking: 3 people, 1 before and 3 after
    ("fewer than 5"). All modules less welcome would be spiking's answers, levels and pairs, so
    those rows, the overall chart and the paired sentence are withheld; the modules' rows stay."""
    with app.app_context():
        now = datetime.now(UTC)
        for slug, n, before, after in (("welcome", 6, 2, 4), ("spiking", 3, 1, 3)):
            for _ in range(n):
                user = UserFactory()
                ConfidenceRatingFactory(user_id=user.id, module_slug=slug, stage="before", rating=before,
                                        created_at=now - timedelta(days=3))
                ConfidenceRatingFactory(user_id=user.id, module_slug=slug, stage="after", rating=after,
                                        created_at=now - timedelta(days=1))
    client = login_client(app, world["admin"])
    response = client.get("/partnership/overview.csv?table=outcomes")
    rows = {(r[0], r[1]): r for r in csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")))}
    assert rows[("Welcome to the programme", "before")][2:5] == ["6", "0%", "100%"]
    assert rows[("Spotting spiking", "before")][2:4] == ["fewer than 5", "fewer than 5"]
    for stage in ("before", "after"):
        assert set(rows[("All modules", stage)][2:8]) == {"not shown"}
    assert set(rows[("All modules", "paired change")][8:]) == {"not shown"}
    assert rows[("All modules", "paired change")][2] == "not shown"
    html = client.get("/partnership/outcomes").get_data(as_text=True)
    assert "9 answers" not in html and "9 pairs" not in html and "Before: not shown" in html
    assert "not shown pairs of answers" in html
    text = text_of(client.get("/partnership/report.pdf").get_data())
    assert "33%" not in text  # spiking's 3 of 9 before answers at level 1


# --- scale ---------------------------------------------------------------------------------------

def _statements(app, admin, path: str) -> int:
    seen = []
    client = login_client(app, admin)
    client.get(path)  # warm: the first request loads content and the session check
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def _grow(app, venues: int, staff: int) -> None:
    with app.app_context():
        today = site_today()
        for v in range(venues):
            venue = VenueFactory(area=f"Area {v % 3}", refresher_months=6 if v % 2 else None)
            _staff(venue, staff, staff // 2, today)
            AttemptFactory(module_slug="spiking", passed=False, score=10, graded_at=_at(today))
            ConfidenceRatingFactory(stage="before", rating=3)


@pytest.mark.parametrize("path", ["/partnership", "/partnership/outcomes", "/partnership/report.pdf",
                                  "/partnership/overview.csv?table=coverage", "/partnership/venues"])
def test_statements_do_not_grow_with_the_data(make_app, path):
    app = make_app(SESSION_CHECK_SECONDS=0)  # the session is checked on every request, however slow
    with app.app_context():
        admin = UserFactory(admin=True)
    _grow(app, 2, 2)
    small = _statements(app, admin, path)
    _grow(app, 6, 4)
    assert _statements(app, admin, path) == small
