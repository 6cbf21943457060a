"""The training register: rows by the one status rule, plain labels, no emails, and the
manager's CSV and PDF exports (spreadsheet-safe, one venue only)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import login_client
from tests.factories import (
    CertificateFactory,
    CompletionFactory,
    MembershipFactory,
    PageViewFactory,
    UserFactory,
    VenueFactory,
)
from tests.pdfs import text_of
from training_portal.dashboards.register import (
    REVOKED,
    STATUS_LABELS,
    build_register,
    export_filename,
)
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.learning import status
from training_portal.timeutil import site_today
from training_portal.venues.models import Venue

FORMULA_NAME = '=HYPERLINK("http://evil.example/x")'
PHONE_NAME = "+44 7700 900123"


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(app):
    """Venue A (refresher 6 months) with staff in every interesting state; venue B beside it."""
    with app.app_context():
        today = site_today()
        owner = UserFactory(name="Olive Owner", email="olive.owner@example.org")
        venue = VenueFactory(name="The Lamplighter", created_by=owner, licence_number="LN/0042",
                             refresher_months=6, starter_deadline_days=14)
        MembershipFactory(user=owner, venue=venue, manager=True)
        alice = MembershipFactory(venue=venue, user__name="Alice Able",
                                  user__email="alice.able@example.org").user
        passed = CompletionFactory(user_id=alice.id, module_slug="welcome",
                                   passed_at=_at(today - timedelta(days=10)),
                                   expires_on=today + timedelta(days=355))
        CertificateFactory(completion=passed, code="K7QM3XWD9TRFH2PN")
        bob = MembershipFactory(venue=venue, user__name="Bob Revoked",
                                user__email="bob.revoked@example.org").user
        revoked = CompletionFactory(user_id=bob.id, module_slug="welcome",
                                    passed_at=_at(today - timedelta(days=20)),
                                    expires_on=today + timedelta(days=345))
        CertificateFactory(completion=revoked, code="ABCD2345EFGH6789", revoked_at=utcnow(),
                           revoke_reason="Passed on someone else's account")
        reader = MembershipFactory(venue=venue, user__name=FORMULA_NAME).user
        PageViewFactory(user_id=reader.id, module_slug="spiking")
        MembershipFactory(venue=venue, user__name=PHONE_NAME)
        leaver = MembershipFactory(venue=venue, user__name="Larry Leaver", left=True).user
        CompletionFactory(user_id=leaver.id, module_slug="welcome")
        owner_b = UserFactory(name="Bella Boss")
        venue_b = VenueFactory(name="The Other Place", created_by=owner_b)
        MembershipFactory(user=owner_b, venue=venue_b, manager=True)
        MembershipFactory(venue=venue_b, user__name="Barry of B")
        emails = [owner.email, alice.email, bob.email, reader.email, leaver.email, owner_b.email]
    return {"owner": owner, "venue": venue, "venue_b": venue_b, "emails": emails, "today": today}


def _register(app, venue_id):
    with app.test_request_context():
        venue = db.session.get(Venue, venue_id)
        return build_register(venue, app.extensions["catalog"].current.ordered, site_today())


def _entries(register):
    return {(p.name, e.module_title): e for p in register.people for e in p.entries}


def test_register_rows_follow_the_status_rule_and_the_venue_policy(app, world):
    register = _register(app, world["venue"].id)
    assert [p.name for p in register.people] == sorted(
        ["Olive Owner", "Alice Able", "Bob Revoked", FORMULA_NAME, PHONE_NAME])
    assert register.entry_count == 5 * 2  # every current person × both published modules
    entries = _entries(register)
    alice = entries[("Alice Able", "Welcome to the programme")]
    assert alice.state == status.PASSED and alice.status_label == "In date"
    assert alice.module_version == "1.2"
    assert alice.passed_on == world["today"] - timedelta(days=10)
    # The venue's 6-month refresher is stricter than the module's 12 months.
    assert alice.valid_until < world["today"] + timedelta(days=200)
    assert alice.certificate_code == "K7QM-3XWD-9TRF-H2PN"
    assert entries[(FORMULA_NAME, "Spotting spiking")].status_label == "In progress"
    assert entries[(PHONE_NAME, "Spotting spiking")].status_label == "Not started"
    assert entries[(PHONE_NAME, "Spotting spiking")].module_version == ""
    assert register.licence_number == "LN/0042"
    assert register.venue_address == "1 High Street, Town, AB1 2CD"


def test_a_revoked_certificate_says_so_and_is_not_in_date(app, world):
    bob = _entries(_register(app, world["venue"].id))[("Bob Revoked", "Welcome to the programme")]
    assert bob.state == REVOKED and bob.status_label == "Certificate revoked"
    assert bob.valid_until is None and not bob.in_date
    assert bob.certificate_code == "ABCD-2345-EFGH-6789"


def test_policy_lines_are_plain_words(app, world):
    lines = _register(app, world["venue"].id).policy_lines
    assert any("every 6 months" in line for line in lines)
    assert any("every published module" in line for line in lines)
    assert any("within 14 days" in line for line in lines)
    lines_b = _register(app, world["venue_b"].id).policy_lines
    assert "Training is renewed every 12 months." in lines_b
    assert "No deadline is set for new starters." in lines_b


def test_optional_modules_appear_only_where_passed_and_are_marked(app):
    with app.app_context():
        venue = VenueFactory(required_modules=["welcome"])
        keen = MembershipFactory(venue=venue, user__name="Keen").user
        MembershipFactory(venue=venue, user__name="Plain")
        CompletionFactory(user_id=keen.id, module_slug="spiking", module_version="2.0")
    register = _register(app, venue.id)
    titles = {p.name: [(e.module_title, e.required) for e in p.entries] for p in register.people}
    assert titles["Plain"] == [("Welcome to the programme", True)]
    assert titles["Keen"] == [("Welcome to the programme", True),
                              ("Spotting spiking (optional)", False)]
    assert any("Optional modules" in line for line in register.policy_lines)
    assert register.fully_in_date_count == 0


def test_every_state_has_one_label():
    assert set(STATUS_LABELS) == set(status.STATES) | {REVOKED}


def test_export_filename_is_plain_ascii():
    assert export_filename('Zoë\'s "Bar"\r\n/../x', date(2026, 11, 30), "csv") == (
        "training-register-zoe-s-bar-x-2026-11-30.csv")
    assert export_filename("Ωμέγα", date(2026, 1, 2), "pdf") == "training-register-venue-2026-01-02.pdf"


# ---------------------------------------------------------------- CSV


def _csv(app, world, query=""):
    response = login_client(app, world["owner"]).get(
        f"/venues/{world['venue'].id}/register.csv{query}")
    assert response.status_code == 200
    return response


def test_csv_is_utf8_with_bom_and_one_row_per_person_and_module(app, world):
    response = _csv(app, world)
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Person", "Module", "Version", "Date passed", "Valid until", "Status",
                       "Certificate code", "Required", "Name on certificate"]
    assert len(rows) == 1 + 5 * 2
    alice = next(r for r in rows if r[0] == "Alice Able" and r[1] == "Welcome to the programme")
    assert alice[2] == "1.2" and alice[5] == "In date" and alice[6] == "K7QM-3XWD-9TRF-H2PN"
    assert alice[3] == (world["today"] - timedelta(days=10)).isoformat() and alice[7] == "yes"
    assert alice[8] == "Alice Able"
    bob = next(r for r in rows if r[0] == "Bob Revoked" and r[1] == "Welcome to the programme")
    assert bob[4] == "" and bob[5] == "Certificate revoked"


def test_csv_neutralises_formulas_in_every_cell(app, world):
    rows = list(csv.reader(io.StringIO(_csv(app, world).get_data().decode("utf-8-sig"))))
    names = {r[0] for r in rows[1:]}
    assert "'" + FORMULA_NAME in names and "'" + PHONE_NAME in names
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)


def test_csv_has_no_emails_no_leavers_and_no_other_venue(app, world):
    text = _csv(app, world).get_data(as_text=True)
    assert "@" not in text and "mail" not in text.lower()
    for email in world["emails"]:
        assert email not in text
    assert "Larry Leaver" not in text
    assert "Barry of B" not in text and "Bella Boss" not in text


def test_csv_headers_download_safely(app, world):
    response = _csv(app, world)
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f'filename="training-register-the-lamplighter-{world["today"].isoformat()}.csv"' in (
        disposition)


def test_unknown_query_parameters_are_ignored(app, world):
    plain = _csv(app, world).get_data()
    assert _csv(app, world, "?module=nope&status=%00&page=-1&x=<b>").get_data() == plain
    pdf = login_client(app, world["owner"]).get(
        f"/venues/{world['venue'].id}/register.pdf?module=nope&sort=' OR 1=1")
    assert pdf.status_code == 200


# ---------------------------------------------------------------- PDF


def test_pdf_names_the_venue_policy_people_and_codes(app, world):
    response = login_client(app, world["owner"]).get(f"/venues/{world['venue'].id}/register.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment; ")
    text = text_of(response.get_data())
    assert "The Lamplighter" in text and "LN/0042" in text
    assert "every 6 months" in text
    for name in ("Olive Owner", "Alice Able", "Bob Revoked", PHONE_NAME):
        assert name in text
    assert "K7QM-3XWD-9TRF-H2PN" in text and "/verify" in text
    assert "Larry Leaver" not in text and "Barry of B" not in text
    for email in world["emails"]:
        assert email not in text


def test_pdf_does_not_show_a_revoked_certificate_as_valid(app, world):
    response = login_client(app, world["owner"]).get(f"/venues/{world['venue'].id}/register.pdf")
    lines = [line.strip() for line in text_of(response.get_data()).splitlines()]
    at = lines.index("ABCD-2345-EFGH-6789")  # pypdf gives each cell of a row on its own line
    passed_on = (world["today"] - timedelta(days=20)).isoformat()
    assert lines[at - 6:at + 1] == ["Bob Revoked", "Welcome to the programme", "1.2", passed_on,
                                    "—", "Certificate revoked", "ABCD-2345-EFGH-6789"]
