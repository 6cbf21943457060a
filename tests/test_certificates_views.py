"""Certificate downloads, the public check page and revocation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.conftest import login_client
from tests.factories import CertificateFactory, CompletionFactory, MembershipFactory, UserFactory, VenueFactory
from tests.pdfs import text_of
from training_portal.certificates import codes, services
from training_portal.certificates.codes import format_code
from training_portal.certificates.models import Certificate
from training_portal.db import utcnow
from training_portal.extensions import db


def _certificate(app, name="Αλέξης Παπαδόπουλος", **completion):
    with app.app_context():
        user = UserFactory(name=name, email="holder@example.org")
        venue = VenueFactory(name="The Secret Bar")
        MembershipFactory(user=user, venue=venue)
        cert = CertificateFactory(completion=CompletionFactory(user_id=user.id, **completion))
    return user, cert


def test_verify_shows_valid_and_every_printed_fact_but_nothing_else(app, client):
    _user, cert = _certificate(app)
    with app.app_context():
        CertificateFactory(completion=CompletionFactory(
            user_id=_user.id, module_slug="spiking", module_title="Spotting spiking"))
    response = client.get(f"/verify/{format_code(cert.code)}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Valid certificate" in page
    for fact in ("Αλέξης Παπαδόπουλος", "Welcome to the programme", "version 1.2",
                 format_code(cert.code), app.extensions["certificate_design"].issuer):
        assert fact in page
    assert "holder@example.org" not in page and "The Secret Bar" not in page
    assert "Spotting spiking" not in page  # no other certificates of the same person
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_codes_match_ignoring_case_dashes_and_spaces(app, client):
    _user, cert = _certificate(app)
    messy = " ".join(cert.code.lower()[i:i + 4] for i in range(0, 16, 4))
    assert client.get(f"/verify/{messy}").status_code == 200
    response = client.get("/verify", query_string={"code": messy})
    assert response.headers["Location"] == f"/verify/{cert.code}"


def test_expired_and_revoked_certificates_say_so(app, client):
    _user, cert = _certificate(app, expires_on=date.today() - timedelta(days=2))
    assert "Expired certificate" in client.get(f"/verify/{cert.code}").get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Certificate, cert.id)
        row.revoked_at = utcnow()
        db.session.commit()
    assert "Revoked certificate" in client.get(f"/verify/{cert.code}").get_data(as_text=True)


def test_unknown_code_says_so(client):
    response = client.get("/verify/AAAA-BBBB-CCCC-DDDD")
    assert response.status_code == 404
    assert "No certificate has this code" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_verify_form_asks_for_a_code(client):
    page = client.get("/verify?code=").get_data(as_text=True)
    assert "Enter the code printed on the certificate" in page


def test_verification_is_rate_limited_per_client(make_app):
    app = make_app(VERIFY_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.get(f"/verify/AAAA-BBBB-CCCC-DDD{n}").status_code for n in range(2, 6)]
    assert statuses == [404, 404, 404, 429]
    other = app.test_client()
    response = other.get("/verify/AAAA-BBBB-CCCC-DDD2",
                         environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 404


def test_admin_revokes_with_reason_and_staff_cannot(app):
    user, cert = _certificate(app)
    with app.app_context():
        admin = UserFactory(admin=True)
    assert login_client(app, user).post(f"/certificates/{cert.id}/revoke",
                                        data={"reason": "x"}).status_code == 403
    client = login_client(app, admin)
    assert "Revoke this certificate" in client.get(f"/verify/{cert.code}").get_data(True)
    empty = client.post(f"/certificates/{cert.id}/revoke", data={"reason": ""})
    with app.app_context():
        assert db.session.get(Certificate, cert.id).revoked_at is None
    client.post(f"/certificates/{cert.id}/revoke",
                data={"reason": "Issued in error.\nAttempt was taken by someone else."})
    with app.app_context():
        row = db.session.get(Certificate, cert.id)
        assert row.revoked_at is not None and row.revoked_by_id == admin.id
        assert row.revoke_reason.startswith("Issued in error.")
    assert empty.status_code == 302
    assert "Revoked certificate" in client.get(f"/verify/{cert.code}").get_data(True)


def test_holder_downloads_pdf_with_safe_unicode_filename(app):
    user, cert = _certificate(app, name="Zoë Łukasiewicz")
    response = login_client(app, user).get(f"/my/certificates/{cert.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''Zo%C3%AB%20%C5%81ukasiewicz" in disposition
    text = text_of(response.data)
    assert "Zoë Łukasiewicz" in text and format_code(cert.code) in text
    assert "The Secret Bar" not in text


def test_other_people_cannot_download_a_certificate(app):
    _user, cert = _certificate(app)
    with app.app_context():
        stranger = UserFactory()
    assert login_client(app, stranger).get(f"/my/certificates/{cert.id}.pdf").status_code == 404
    assert app.test_client().get(f"/my/certificates/{cert.id}.pdf").status_code == 302


def test_training_record_lists_current_certificates_only(app):
    user, cert = _certificate(app, name="Ахмед Мұхамеджан")
    with app.app_context():
        expired = CertificateFactory(completion=CompletionFactory(
            user_id=user.id, module_slug="spiking", module_title="Spotting spiking",
            expires_on=date.today() - timedelta(days=1)))
    client = login_client(app, user)
    assert "My training record (PDF)" in client.get("/my/certificates").get_data(True)
    text = text_of(client.get("/my/record.pdf").data)
    assert "Ахмед Мұхамеджан" in text and format_code(cert.code) in text
    assert format_code(expired.code) not in text


def test_certificate_code_is_stored_normalised_and_unique(app):
    with app.app_context():
        codes = [CertificateFactory().code for _ in range(5)]
        assert all(len(c) == 16 and "-" not in c for c in codes)
        assert len(set(codes)) == 5
        assert db.session.scalar(select(Certificate.code).limit(1)) in codes


def _verify_on(monkeypatch, day: date) -> None:
    """Pin the site's today for the check page."""
    monkeypatch.setattr("training_portal.web.certificates.site_today", lambda: day)


def test_certificate_is_valid_on_its_expiry_day_and_expired_the_day_after(app, client, monkeypatch):
    _user, cert = _certificate(app, expires_on=date(2026, 3, 31))
    _verify_on(monkeypatch, date(2026, 3, 31))
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "Valid certificate" in page and "Expired certificate" not in page
    _verify_on(monkeypatch, date(2026, 4, 1))
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "Expired certificate" in page and "Valid certificate" not in page


def test_status_of_a_certificate_at_its_boundaries(app):
    _user, cert = _certificate(app, expires_on=date(2026, 3, 31))
    with app.app_context():
        row = db.session.get(Certificate, cert.id)
        assert services.status_of(row, date(2026, 3, 30)) == "valid"
        assert services.status_of(row, date(2026, 3, 31)) == "valid"
        assert services.status_of(row, date(2026, 4, 1)) == "expired"
        row.revoked_at = utcnow()
        assert services.status_of(row, date(2026, 3, 30)) == "revoked"  # revoked wins over in date
        assert services.status_of(row, date(2026, 4, 1)) == "revoked"  # and over expired


def test_downloaded_pdf_prints_the_version_and_dates_of_the_pass(app):
    user, cert = _certificate(app, module_title="Spotting spiking", module_slug="spiking",
                              module_version="2.3",
                              passed_at=datetime(2025, 3, 12, 10, 0, tzinfo=UTC),
                              expires_on=date(2026, 3, 12))
    response = login_client(app, user).get(f"/my/certificates/{cert.id}.pdf")
    assert response.status_code == 200
    text = text_of(response.data)
    for fact in ("Spotting spiking", "Version 2.3", "12 March 2025", "12 March 2026",
                 format_code(cert.code), f"https://training.example.org/verify/{cert.code}"):
        assert fact in text, fact


def test_staff_and_visitors_never_see_the_revoke_form_but_an_admin_does(app, client):
    user, cert = _certificate(app)
    with app.app_context():
        manager = UserFactory()
        MembershipFactory(user=manager, manager=True)
        trainer = UserFactory(trainer=True)
        admin = UserFactory(admin=True)
    for viewer in (client, login_client(app, user), login_client(app, manager),
                   login_client(app, trainer)):
        page = viewer.get(f"/verify/{cert.code}").get_data(as_text=True)
        assert "Valid certificate" in page
        assert "Revoke this certificate" not in page and f"/certificates/{cert.id}/revoke" not in page
    page = login_client(app, admin).get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "Revoke this certificate" in page and f"/certificates/{cert.id}/revoke" in page


def test_a_new_certificate_code_never_repeats_one_in_use(app, monkeypatch):
    _user, cert = _certificate(app)
    taken = cert.code
    fresh = "23456789ABCDEFGH"
    picks = iter(taken + fresh)
    monkeypatch.setattr(codes.secrets, "choice", lambda _alphabet: next(picks))
    with app.app_context():
        assert services._unused_code() == fresh


def test_training_record_lists_each_module_with_its_title_and_version(app):
    today = date.today()
    with app.app_context():
        user = UserFactory(name="Sam Holder")
        welcome = CertificateFactory(completion=CompletionFactory(
            user_id=user.id, module_slug="welcome", module_title="Welcome to the programme",
            module_version="1.7", expires_on=today + timedelta(days=100)))
        spiking = CertificateFactory(completion=CompletionFactory(
            user_id=user.id, module_slug="spiking", module_title="Spotting spiking",
            module_version="2.4", expires_on=today + timedelta(days=100)))
        assert {c.id for c in services.current_certificates(user, today)} == {welcome.id, spiking.id}
    text = " ".join(text_of(login_client(app, user).get("/my/record.pdf").data).split())
    for fact in ("Welcome to the programme", "1.7", format_code(welcome.code),
                 "Spotting spiking", "2.4", format_code(spiking.code)):
        assert fact in text, fact


def test_check_page_shows_the_dates_of_the_pass_and_of_revocation(app, client):
    _user, cert = _certificate(app, passed_at=datetime(2025, 3, 12, 10, 0, tzinfo=UTC),
                               expires_on=date(2026, 3, 12))
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "12 March 2025" in page and "12 March 2026" in page
    assert "withdrew this certificate" not in page
    with app.app_context():
        db.session.get(Certificate, cert.id).revoked_at = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
        db.session.commit()
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "withdrew this certificate on 3 April 2026" in page


def test_the_newest_certificate_is_listed_first_whatever_order_they_were_issued_in(app):
    with app.app_context():
        user = UserFactory()
        old = CertificateFactory(completion=CompletionFactory(
            user_id=user.id, passed_at=datetime(2025, 1, 10, 12, 0, tzinfo=UTC),
            expires_on=date(2026, 12, 31)))
        new = CertificateFactory(completion=CompletionFactory(
            user_id=user.id, passed_at=datetime(2026, 2, 2, 12, 0, tzinfo=UTC),
            expires_on=date(2027, 2, 2)))
        assert [c.id for c in services.certificates_of(user)] == [new.id, old.id]
        assert [c.id for c in services.current_certificates(user, date(2026, 3, 1))] == [new.id]


def test_training_record_prints_the_name_as_printed_when_the_person_gave_one(app):
    with app.app_context():
        user = UserFactory(name="አበበ ቢቂላ", printed_name="Abebe Bikila")
        CertificateFactory(completion=CompletionFactory(user_id=user.id, module_slug="welcome"))
    text = text_of(login_client(app, user).get("/my/record.pdf").data)
    assert "Abebe Bikila" in text
    assert "አበበ" not in text
