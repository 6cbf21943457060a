"""Certificate services at their edges: each refusal says why; the reissue is recorded in full."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.factories import CertificateFactory, UserFactory
from training_portal.audit import AuditEvent
from training_portal.certificates import services
from training_portal.certificates.codes import format_code
from training_portal.extensions import db


def _refused(call, *args) -> str:
    with pytest.raises(services.CertificateError) as refused:
        call(*args)
    return str(refused.value)


def test_each_refusal_says_why_and_changes_nothing(app):
    with app.app_context():
        admin = UserFactory(admin=True)
        certificate = CertificateFactory(holder_name="Ann Lee")
        assert _refused(services.reissue, admin, certificate, "   ", "typo") == "Give the name to print."
        new = services.reissue(admin, certificate, "Ann Lee-Smith", "typo")
        assert _refused(services.reissue, admin, certificate, "Ann Smith", "again") == (
            "This certificate was already replaced. Reissue the current one.")
        assert _refused(services.revoke, admin, certificate, "fraud") == (
            "This certificate was replaced. Revoke the current one.")
        services.revoke(admin, new, "fraud")
        assert _refused(services.revoke, admin, new, "fraud") == "This certificate is already revoked."
        assert _refused(services.reissue, admin, new, "Ann Smith", "again") == (
            "A revoked certificate cannot be reissued.")
        assert certificate.revoked_at is None and new.replaced_at is None


def test_a_reissue_is_recorded_with_both_names_the_reason_and_what_it_replaces(app):
    with app.app_context():
        admin = UserFactory(admin=True)
        certificate = CertificateFactory(holder_name="Ann Lee")
        new = services.reissue(admin, certificate, "  Ann Lee-Smith ", "married name")
        events = [(e.actor_id, e.action, e.target_type, e.target_id, e.detail) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "certificate.reissued"))]
        assert events == [(admin.id, "certificate.reissued", "certificate", new.id,
                           {"replaces": certificate.id, "old_name": "Ann Lee",
                            "new_name": "Ann Lee-Smith", "reason": "married name"})]


def test_the_record_lists_each_certificate_with_the_name_it_was_issued_to(app):
    with app.app_context():
        certificate = CertificateFactory(holder_name="Ann Lee")
        certificate.completion.user.name = "Ann Smith"  # renamed since
        [row] = services.record_rows([certificate])
        assert row.issued_to == "Ann Lee" and row.code == format_code(certificate.code)


def test_after_a_reissue_the_new_certificate_is_current_and_listed_first(app):
    with app.app_context():
        admin = UserFactory(admin=True)
        old = CertificateFactory(holder_name="Ann Lee")
        new = services.reissue(admin, old, "Ann Lee-Smith", "typo")
        user = old.completion.user
        assert services.current_certificate_of(old.completion_id) == new
        assert services.certificates_of(user) == [new]
        assert services.certificates_of(user, include_replaced=True) == [new, old]


def test_the_public_page_dates_a_replacement_on_the_sites_calendar(app):
    with app.app_context():
        old = CertificateFactory(holder_name="Ann Lee")
        old.replaced_at = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London
        view = services.public_view(old, "The Partnership", date(2026, 7, 1))
        assert view.status == services.REPLACED and view.replaced_on == date(2026, 7, 1)
        assert services.public_view(CertificateFactory(), "P", date(2026, 7, 1)).replaced_on is None
