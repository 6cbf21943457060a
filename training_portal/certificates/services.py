"""Certificates: look-up by code, public status, revocation, and the data printed on the PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

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

VALID, EXPIRED, REVOKED, REPLACED = "valid", "expired", "revoked", "replaced"
#: Every status a certificate can have, for the pages that list or label them.
STATUSES = (VALID, EXPIRED, REVOKED, REPLACED)


class CertificateError(ValueError):
    """A rule was broken; the message is safe to show."""


@dataclass(frozen=True)
class PublicCertificate:
    """Exactly what the public may see: the facts printed on the PDF, as issued, and the status."""

    status: str
    holder_name: str
    module_title: str
    module_version: str
    passed_on: date
    expires_on: date
    issuer: str
    code: str
    revoked_on: date | None
    replaced_on: date | None = None


def issue_for(attempt: Attempt) -> Certificate | None:
    """The certificate for a passing attempt's completion, issued once, in the grading transaction."""
    completion = db.session.scalar(select(Completion).where(Completion.attempt_id == attempt.id))
    if completion is None:
        return None
    existing = current_certificate_of(completion.id)
    if existing is not None:
        return existing
    return _issue(completion, completion.user.name_for_print)


def _issue(completion: Completion, holder_name: str, reissue_reason: str | None = None
           ) -> Certificate:
    """A new certificate that captures, now, every fact it prints."""
    certificate = Certificate(
        completion_id=completion.id, code=_unused_code(), holder_name=holder_name,
        module_title=completion.module_title, module_version=completion.module_version,
        passed_on=site_date(completion.passed_at), expires_on=completion.expires_on,
        reissue_reason=reissue_reason)
    db.session.add(certificate)
    db.session.flush()
    return certificate


def current_certificate_of(completion_id: int) -> Certificate | None:
    """The completion's certificate that is not replaced (at most one: a unique index)."""
    return db.session.scalar(select(Certificate).where(
        Certificate.completion_id == completion_id, Certificate.replaced_at.is_(None)))


def reissue(actor: User, certificate: Certificate, holder_name: str, reason: str) -> Certificate:
    """A corrected certificate (new code) for the same pass; the old code then verifies as replaced."""
    if certificate.replaced_at is not None:
        raise CertificateError(_l("This certificate was already replaced. Reissue the current one."))
    if certificate.revoked_at is not None:
        raise CertificateError(_l("A revoked certificate cannot be reissued."))
    holder_name = holder_name.strip()
    if not holder_name:
        raise CertificateError(_l("Give the name to print."))
    now = utcnow()
    # Mark the old one first: the unique index allows one current certificate per pass.
    certificate.replaced_at = now
    db.session.flush()
    new = _issue(certificate.completion, holder_name, reissue_reason=reason)
    certificate.replaced_by_id = new.id
    audit.record(actor.id, "certificate.reissued", "certificate", new.id, replaces=certificate.id,
                 old_name=certificate.holder_name, new_name=holder_name, reason=reason)
    return new


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
    if certificate.replaced_at is not None:
        return REPLACED
    return EXPIRED if certificate.expires_on < today else VALID


def public_view(certificate: Certificate, issuer: str, today: date) -> PublicCertificate:
    """Only the facts printed on the certificate, as issued; never the holder's current name."""
    return PublicCertificate(
        status=status_of(certificate, today), holder_name=certificate.holder_name,
        module_title=certificate.module_title, module_version=certificate.module_version,
        passed_on=certificate.passed_on, expires_on=certificate.expires_on, issuer=issuer,
        code=format_code(certificate.code),
        revoked_on=site_date(certificate.revoked_at) if certificate.revoked_at else None,
        replaced_on=site_date(certificate.replaced_at) if certificate.replaced_at else None)


def pdf_data(certificate: Certificate, verify_url: str) -> CertificateData:
    return CertificateData(
        holder_name=certificate.holder_name, module_title=certificate.module_title,
        module_version=certificate.module_version, passed_on=certificate.passed_on,
        expires_on=certificate.expires_on, code=format_code(certificate.code),
        verify_url=verify_url)


def certificates_of(user: User, include_replaced: bool = False) -> list[Certificate]:
    """The person's certificates, newest pass first; replaced ones only when asked.

    Each certificate's completion comes in the same statement (the record PDF reads its
    module), so a long history costs no extra query per certificate."""
    query = (select(Certificate).join(Certificate.completion)
             .options(contains_eager(Certificate.completion))
             .where(Completion.user_id == user.id))
    if not include_replaced:
        query = query.where(Certificate.replaced_at.is_(None))
    return list(db.session.scalars(query.order_by(Completion.passed_at.desc(),
                                                  Certificate.id.desc())))


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
    return [RecordRow(module_title=c.module_title, version=c.module_version,
                      passed_on=c.passed_on, expires_on=c.expires_on,
                      code=format_code(c.code), issued_to=c.holder_name) for c in certificates]


def revoke(actor: User, certificate: Certificate, reason: str) -> None:
    if certificate.revoked_at is not None:
        raise CertificateError(_l("This certificate is already revoked."))
    if certificate.replaced_at is not None:
        raise CertificateError(_l("This certificate was replaced. Revoke the current one."))
    certificate.revoked_at = utcnow()
    certificate.completion.revoked_at = certificate.revoked_at  # the pass no longer counts
    certificate.revoke_reason = reason
    certificate.revoked_by_id = actor.id
    learner_summary.refresh(certificate.completion.user_id, certificate.completion.module_slug)
    audit.record(actor.id, "certificate.revoked", "certificate", certificate.id, reason=reason)
