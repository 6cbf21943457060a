from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training_portal.db import UTCDateTime, utcnow
from training_portal.extensions import db
from training_portal.learning.models import Completion


class Certificate(db.Model):  # type: ignore[name-defined,misc]
    """A certificate states facts as issued: what is printed is stored here, once.

    A later change of the holder's display name (or of the module's title) never alters an
    issued certificate. A corrected certificate is a new row (new code) for the same
    completion; the old one is marked replaced. At most one certificate per completion is
    current (not replaced): the partial unique index enforces it.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        Index("uq_certificates_current", "completion_id", unique=True,
              sqlite_where=text("replaced_at IS NULL"),
              postgresql_where=text("replaced_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = mapped_column(
        ForeignKey("completions.id", ondelete="CASCADE"), index=True)
    #: Normalised verification code (no dashes, upper case); shown grouped as XXXX-XXXX-…
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: Indexed: the admin certificate list shows the newest first.
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The facts printed on the certificate, captured when it was issued.
    holder_name: Mapped[str] = mapped_column(String(120))
    module_title: Mapped[str] = mapped_column(String(200))
    module_version: Mapped[str] = mapped_column(String(20))
    passed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Set when an admin reissued it (corrected name): the new certificate's id and the time.
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"))
    #: On a reissued certificate: why it was reissued (also in the audit trail).
    reissue_reason: Mapped[str | None] = mapped_column(String(500))

    completion: Mapped[Completion] = relationship()
