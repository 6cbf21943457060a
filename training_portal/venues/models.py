from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training_portal.db import UTCDateTime, utcnow
from training_portal.extensions import db

if TYPE_CHECKING:
    from training_portal.accounts.models import User

ROLE_STAFF = "staff"
ROLE_MANAGER = "manager"


class Venue(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))
    licence_number: Mapped[str | None] = mapped_column(String(40))
    #: Printed under the poster's QR code; rotating it invalidates the old one.
    join_code: Mapped[str] = mapped_column(String(8), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Town or district, set by the partnership; partnership figures filter by it.
    area: Mapped[str | None] = mapped_column(String(80), index=True)

    # The venue's training policy (licence conditions differ). None means "the default".
    #: Renew training every N months (never longer than a module's own period); None: module's own.
    refresher_months: Mapped[int | None] = mapped_column(Integer)
    #: Slugs of the modules staff here must hold; None: every published module.
    required_modules: Mapped[list[str] | None] = mapped_column(JSON)
    #: New starters must be in date on every required module within N days of joining; None: no deadline.
    starter_deadline_days: Mapped[int | None] = mapped_column(Integer)

    created_by: Mapped["User | None"] = relationship()


class ManagerInvitation(db.Model):  # type: ignore[name-defined,misc]
    """An invitation to co-manage a venue; nobody becomes a manager (or is named) without accepting."""

    __tablename__ = "manager_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    #: Lower-cased; the invitation is accepted by whoever signs in with this address.
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Declined by the invitee or withdrawn by a manager: the link stops working.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    venue: Mapped[Venue] = relationship()


class Membership(db.Model):  # type: ignore[name-defined,misc]
    """A person's time at a venue. Leaving sets ``left_at``; the row and records stay."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("role IN ('staff', 'manager')", name="role_known"),
        Index(
            "uq_memberships_active",
            "user_id",
            "venue_id",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default=ROLE_STAFF)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship()
    venue: Mapped[Venue] = relationship()

    @property
    def is_active(self) -> bool:
        return self.left_at is None

    @property
    def is_manager(self) -> bool:
        return self.role == ROLE_MANAGER and self.left_at is None
