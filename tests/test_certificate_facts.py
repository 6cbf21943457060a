"""Issue 9, item 1: a certificate states facts as issued; a corrected one replaces it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from tests.conftest import login_client
from tests.factories import CertificateFactory, CompletionFactory, MembershipFactory, UserFactory
from tests.learning import pass_quiz
from tests.pdfs import text_of
from training_portal.audit import AuditEvent
from training_portal.certificates import services
from training_portal.certificates.codes import format_code
from training_portal.certificates.models import Certificate
from training_portal.dashboards.register import build_register
from training_portal.extensions import db
from training_portal.learning.models import Completion
from training_portal.timeutil import site_today


def _passed(app, name="Ana Old"):
    with app.app_context():
        user = UserFactory(name=name, email="ana@example.org")
    client = login_client(app, user)
    pass_quiz(app, client, "welcome")
    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        return user, client, cert.id, cert.code


def test_a_name_change_does_not_relabel_issued_certificates(app):
    user, client, cert_id, code = _passed(app)
    response = client.post("/account/name", data={"profile-name": "Bea New"})
    assert response.status_code == 302
    verify = app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "Valid certificate" in verify
    assert "Ana Old" in verify and "Bea New" not in verify
    pdf = client.get(f"/my/certificates/{cert_id}.pdf")
    assert "Ana Old" in text_of(pdf.data) and "Bea New" not in text_of(pdf.data)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.name_changed"))
        assert event is not None and event.actor_id == user.id
        assert event.detail == {"old": "Ana Old", "new": "Bea New"}


def test_the_account_page_says_issued_certificates_keep_their_name(app):
    with app.app_context():
        user = UserFactory()
    page = login_client(app, user).get("/account").get_data(as_text=True)
    assert "keep the name they were issued with" in page


def _admin(app):
    with app.app_context():
        admin = UserFactory(admin=True, name="Zoe Admin")
    return admin, login_client(app, admin)


def test_an_admin_reissues_with_a_corrected_name_and_the_old_code_says_replaced(app):
    user, client, cert_id, old_code = _passed(app)
    admin, admin_client = _admin(app)
    response = admin_client.post(f"/admin/certificates/{cert_id}/reissue", data={
        "holder_name": "Ana Corrected", "reason": "Spelling, asked by the holder"})
    assert response.status_code == 302
    with app.app_context():
        old = db.session.get(Certificate, cert_id)
        new = db.session.get(Certificate, old.replaced_by_id)
        assert old.replaced_at is not None and new.code != old.code
        assert new.completion_id == old.completion_id and new.holder_name == "Ana Corrected"
        assert new.reissue_reason == "Spelling, asked by the holder"
        assert services.status_of(old, site_today()) == services.REPLACED
        new_code = new.code
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.reissued"))
        assert event.actor_id == admin.id and event.detail["reason"] == "Spelling, asked by the holder"
        assert event.detail["old_name"] == "Ana Old" and event.detail["new_name"] == "Ana Corrected"
    public = app.test_client()
    old_page = public.get(f"/verify/{old_code}").get_data(as_text=True)
    assert "Replaced certificate" in old_page and "Valid certificate" not in old_page
    assert "ana@example.org" not in old_page and "Ana Corrected" not in old_page
    new_page = public.get(f"/verify/{new_code}").get_data(as_text=True)
    assert "Valid certificate" in new_page and "Ana Corrected" in new_page
    # The holder's list shows the current certificate only, once.
    mine = client.get("/my/certificates").get_data(as_text=True)
    assert mine.count("Download PDF") == 1
    # The pass is still one pass with one current certificate everywhere it is joined.
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Completion)) == 1
        record = services.current_certificates(db.session.get(type(user), user.id), site_today())
        assert [c.code for c in record] == [new_code]
    # A replaced certificate is neither reissued nor revoked again.
    again = admin_client.post(f"/admin/certificates/{cert_id}/reissue", data={
        "holder_name": "Other", "reason": "again"}, follow_redirects=True)
    assert "already replaced" in again.get_data(as_text=True)


def test_the_register_reads_the_current_certificate_and_its_printed_name(app):
    with app.app_context():
        user = UserFactory(name="Cara Now")
        membership = MembershipFactory(user=user)
        completion = CompletionFactory(user_id=user.id)
        old = CertificateFactory(completion=completion, holder_name="Cara Then")
        old_code = old.code
        admin = UserFactory(admin=True)
        new = services.reissue(admin, old, "Cara Printed", "typo")
        db.session.commit()
        register = build_register(membership.venue, list(app.extensions["catalog"].current
                                                          .modules.values()), site_today())
        entries = [e for p in register.people for e in p.entries if e.certificate_code]
        assert [e.certificate_code for e in entries] == [format_code(new.code)]
        assert entries[0].certificate_name == "Cara Printed"
        assert old_code != new.code


def test_reissue_needs_a_reason_and_an_admin(app):
    _user, client, cert_id, _code = _passed(app)
    _admin_user, admin_client = _admin(app)
    response = admin_client.post(f"/admin/certificates/{cert_id}/reissue",
                                 data={"holder_name": "Ana X", "reason": ""})
    assert response.status_code == 400
    assert client.post(f"/admin/certificates/{cert_id}/reissue",
                       data={"holder_name": "Ana X", "reason": "mine"}).status_code in (403, 404)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_admin_search_finds_a_certificate_by_its_printed_name(app):
    with app.app_context():
        user = UserFactory(name="Dora Now")
        CertificateFactory(completion=CompletionFactory(user_id=user.id), holder_name="Dora Printed")
    _admin_user, admin_client = _admin(app)
    page = admin_client.get("/admin/certificates?q=Printed").get_data(as_text=True)
    assert "Dora Printed" in page


def test_the_migration_backfills_printed_facts_from_the_pass(make_app, tmp_path: Path):
    """Upgrade an SQLite database holding a certificate from before item 1."""
    from flask_migrate import upgrade

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with app.app_context():
        upgrade(revision="b7e41c2a9d05")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, name, email, is_trainer, is_admin, is_disabled, "
                "session_version, created_at) VALUES (1, 'Eve Early', 'eve@example.org', 0, 0, 0, 1, "
                "'2026-01-01 00:00:00.000000')"))
            conn.execute(sa.text(
                "INSERT INTO attempts (id, public_id, user_id, module_slug, module_version, "
                "content_hash, drawn, started_at) VALUES (1, 'p1', 1, 'welcome', '1.2', 'h', '[]', "
                "'2026-06-30 23:30:00.000000')"))
            conn.execute(sa.text(
                "INSERT INTO completions (id, user_id, attempt_id, module_slug, module_title, "
                "module_version, content_hash, score, passed_at, expires_on) VALUES (1, 1, 1, "
                "'welcome', 'Welcome', '1.2', 'h', 100, '2026-06-30 23:30:00.000000', '2027-07-01')"))
            conn.execute(sa.text("INSERT INTO certificates (id, completion_id, code, issued_at) "
                                 "VALUES (1, 1, 'ABCDEFGHJKMNPQRS', '2026-06-30 23:30:00.000000')"))
        upgrade()
        with db.engine.connect() as conn:
            row = conn.execute(sa.text(
                "SELECT holder_name, module_title, module_version, passed_on, expires_on "
                "FROM certificates")).one()
        db.engine.dispose()
    # 23:30 UTC on 30 June is 1 July in London (BST): the date printed is the site's date.
    assert tuple(row) == ("Eve Early", "Welcome", "1.2", "2026-07-01", "2027-07-01")
