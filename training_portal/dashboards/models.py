"""Records the venue dashboards keep: inspection links (and each opening) and nudges sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training_portal.db import UTCDateTime, utcnow
from training_portal.extensions import db
from training_portal.venues.models import Venue


class InspectionLink(db.Model):  # type: ignore[name-defined,misc]
    """A read-only link to a venue's current register for a licensing officer; only its hash is kept."""

    __tablename__ = "inspection_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Who it is for, as the manager wrote it (e.g. "Licensing visit, March").
    label: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    venue: Mapped[Venue] = relationship()


class InspectionOpening(db.Model):  # type: ignore[name-defined,misc]
    """Each time an inspection link was opened (when only: no address, no device)."""

    __tablename__ = "inspection_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("inspection_links.id", ondelete="CASCADE"),
                                         index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Nudge(db.Model):  # type: ignore[name-defined,misc]
    """A manager's reminder email to one person about their training (at most one a week)."""

    __tablename__ = "nudges"
    __table_args__ = (Index("ix_nudges_venue_user_sent", "venue_id", "user_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
