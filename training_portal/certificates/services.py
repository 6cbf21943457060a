"""Certificates: look-up by code, public status, revocation, and the data printed on the PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from training_portal import audit
from training_portal.accounts.models import User
from training_portal.certificates.codes import format_code, new_code, normalise
from training_portal.certificates.models import Certificate
from training_portal.certificates.pdf import CertificateData, RecordRow
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.learning import learner_summary
from training_portal.learning.models import Attempt, Completion
from training_portal.timeutil import site_date

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"


class CertificateError(ValueError):
    """A rule was broken; the message is safe to show."""


@dataclass(frozen=True)
class PublicCertificate:
    """Exactly what the public may see: the facts printed on the PDF, and the status."""

    status: str
    holder_name: str
    module_title: str
    module_version: str
    passed_on: date
    expires_on: date
    issuer: str
    code: str
    revoked_on: date | None


def issue_for(attempt: Attempt) -> Certificate | None:
    """The certificate for a passing attempt's completion, issued once, in the grading transaction."""
    completion = db.session.scalar(select(Completion).where(Completion.attempt_id == attempt.id))
    if completion is None:
        return None
    existing = db.session.scalar(select(Certificate).where(Certificate.completion_id == completion.id))
    if existing is not None:
        return existing
    certificate = Certificate(completion_id=completion.id, code=_unused_code())
    db.session.add(certificate)
    db.session.flush()
    return certificate


def _unused_code() -> str:
    while True:
        code = new_code().replace("-", "")
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def find_by_code(raw_code: str) -> Certificate | None:
    code = normalise(raw_code)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def status_of(certificate: Certificate, today: date) -> str:
    if certificate.revoked_at is not None:
        return REVOKED
    return EXPIRED if certificate.completion.expires_on < today else VALID


def public_view(certificate: Certificate, issuer: str, today: date) -> PublicCertificate:
    completion = certificate.completion
    return PublicCertificate(
        status=status_of(certificate, today), holder_name=completion.user.name,
        module_title=completion.module_title, module_version=completion.module_version,
        passed_on=site_date(completion.passed_at), expires_on=completion.expires_on, issuer=issuer,
        code=format_code(certificate.code),
        revoked_on=site_date(certificate.revoked_at) if certificate.revoked_at else None)


def pdf_data(certificate: Certificate, verify_url: str) -> CertificateData:
    completion = certificate.completion
    return CertificateData(
        holder_name=completion.user.name, module_title=completion.module_title,
        module_version=completion.module_version, passed_on=site_date(completion.passed_at),
        expires_on=completion.expires_on, code=format_code(certificate.code),
        verify_url=verify_url)


def certificates_of(user: User) -> list[Certificate]:
    return list(db.session.scalars(
        select(Certificate).join(Completion).where(Completion.user_id == user.id)
        .order_by(Completion.passed_at.desc())))


def current_certificates(user: User, today: date) -> list[Certificate]:
    """Valid certificates, newest pass per module only."""
    seen: set[str] = set()
    current = []
    for certificate in certificates_of(user):
        slug = certificate.completion.module_slug
        if slug in seen or status_of(certificate, today) != VALID:
            continue
        seen.add(slug)
        current.append(certificate)
    return current


def record_rows(certificates: list[Certificate]) -> list[RecordRow]:
    return [RecordRow(module_title=c.completion.module_title, version=c.completion.module_version,
                      passed_on=site_date(c.completion.passed_at), expires_on=c.completion.expires_on,
                      code=format_code(c.code)) for c in certificates]


def revoke(actor: User, certificate: Certificate, reason: str) -> None:
    if certificate.revoked_at is not None:
        raise CertificateError(_l("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.completion.revoked_at = certificate.revoked_at  # the pass no longer counts
    certificate.revoke_reason = reason
    certificate.revoked_by_id = actor.id
    learner_summary.refresh(certificate.completion.user_id, certificate.completion.module_slug)
    audit.record(actor.id, "certificate.revoked", "certificate", certificate.id, reason=reason)
