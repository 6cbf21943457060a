"""What reminders went out, so nothing is sent twice, even when two runs overlap."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from training_portal.db import UTCDateTime, utcnow
from training_portal.extensions import db


class ReminderSent(db.Model):  # type: ignore[name-defined,misc]
    """One row per reminder; the unique key is claimed before the mail is queued, in one transaction."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("kind", "user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "expiry" (to a staff member) or "digest" (to a manager).
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: What the reminder is about, e.g. "completion:123" or "venue:7:2026-W48".
    key: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
