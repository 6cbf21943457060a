from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training_portal.db import UTCDateTime, utcnow
from training_portal.extensions import db
from training_portal.learning.models import Completion


class Certificate(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = mapped_column(
        ForeignKey("completions.id", ondelete="CASCADE"), unique=True)
    #: Normalised verification code (no dashes, upper case); shown grouped as XXXX-XXXX-…
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: Indexed: the admin certificate list shows the newest first.
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    completion: Mapped[Completion] = relationship()
