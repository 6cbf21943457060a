"""One person's training record for their venue's manager: every attempt and certificate.

Two statements whatever the number of attempts or certificates (no lazy loads per row).
The status per module comes from `dashboards.venue.person_overview`, by the one rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from training_portal.certificates.codes import format_code
from training_portal.certificates.models import Certificate
from training_portal.certificates.services import status_of
from training_portal.extensions import db
from training_portal.learning.models import Attempt, Completion


@dataclass(frozen=True)
class AttemptLine:
    module_slug: str
    module_version: str
    started_at: datetime
    graded_at: datetime | None  # None: started, never submitted
    score: int | None
    passed: bool | None


@dataclass(frozen=True)
class CertificateLine:
    module_title: str
    module_version: str
    code: str  # formatted for display: XXXX-XXXX-XXXX-XXXX
    passed_on: date
    expires_on: date
    status: str  # certificates.services: valid, expired, revoked or replaced


def attempts_of(user_id: int) -> list[AttemptLine]:
    """Every attempt at every module, newest first."""
    query = (select(Attempt.module_slug, Attempt.module_version, Attempt.started_at,
                    Attempt.graded_at, Attempt.score, Attempt.passed)
             .where(Attempt.user_id == user_id)
             .order_by(Attempt.started_at.desc(), Attempt.id.desc()))
    return [AttemptLine(*row) for row in db.session.execute(query)]


def certificates_of(user_id: int, today: date) -> list[CertificateLine]:
    """Every certificate the person holds (revoked, expired and replaced ones too), newest pass first."""
    query = (select(Certificate).join(Certificate.completion)
             .options(contains_eager(Certificate.completion))
             .where(Completion.user_id == user_id)
             .order_by(Completion.passed_at.desc(), Certificate.id.desc()))
    return [CertificateLine(c.module_title, c.module_version, format_code(c.code), c.passed_on,
                            c.expires_on, status_of(c, today))
            for c in db.session.scalars(query)]
