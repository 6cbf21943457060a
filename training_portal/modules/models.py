from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from training_portal.db import UTCDateTime, utcnow
from training_portal.extensions import db


class PageView(db.Model):  # type: ignore[name-defined,misc]
    """A lesson page this person has read (first time only), so 'continue' can resume."""

    __tablename__ = "page_views"
    __table_args__ = (UniqueConstraint("user_id", "module_slug", "page_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80))
    #: 1-based, as in the address /modules/<slug>/<page_number>.
    page_number: Mapped[int] = mapped_column(Integer)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
