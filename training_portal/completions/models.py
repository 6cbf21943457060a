from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training_portal.db import UTCDateTime
from training_portal.extensions import db

if TYPE_CHECKING:
    from training_portal.accounts.models import User


class Completion(db.Model):  # type: ignore[name-defined,misc]
    """A passed module, recorded once per passing attempt (the unique attempt_id enforces it)."""

    __tablename__ = "completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"),
                                            unique=True)
    module_slug: Mapped[str] = mapped_column(String(80), index=True)
    module_title: Mapped[str] = mapped_column(String(200))
    module_version: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    passed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Passed date plus the module's refresher period (valid_for_months).
    expires_on: Mapped[date] = mapped_column(Date)

    user: Mapped["User"] = relationship()
