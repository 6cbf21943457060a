"""Who did what: a row per sensitive action, written by services only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from training_portal import logs
from training_portal.db import UTCDateTime, utcnow
from training_portal.extensions import db


class AuditEvent(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def record(actor_id: int | None, action: str, target_type: str, target_id: int | None,
           **detail: Any) -> None:
    db.session.add(AuditEvent(actor_id=actor_id, action=action, target_type=target_type,
                              target_id=target_id, detail=detail))
    logs.event(action, actor=actor_id, target=f"{target_type}:{target_id}", **detail)
