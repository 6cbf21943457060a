"""Programme-wide settings the partnership sets (e.g. the coverage target), kept in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from training_portal import audit
from training_portal.extensions import db

COVERAGE_TARGET = "coverage_target_percent"
DEFAULTS: dict[str, Any] = {COVERAGE_TARGET: 75}


class ProgrammeSetting(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "programme_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


def get_setting(key: str) -> Any:
    row = db.session.get(ProgrammeSetting, key)
    return DEFAULTS[key] if row is None else row.value


def set_setting(key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(ProgrammeSetting, key)
    if row is None:
        db.session.add(ProgrammeSetting(key=key, value=value))
    else:
        row.value = value


def coverage_target() -> int:
    """Percent of a venue's current staff who should be in date on every required module."""
    return int(get_setting(COVERAGE_TARGET))


def change_coverage_target(actor_id: int, percent: int) -> None:
    """Set by a partnership admin (1–100, checked by the form); audited with the old value."""
    if not 1 <= percent <= 100:
        raise ValueError("a coverage target is a percentage from 1 to 100")
    old = coverage_target()
    set_setting(COVERAGE_TARGET, percent)
    audit.record(actor_id, "programme.coverage_target_set", "programme_setting", None, old=old, new=percent)
