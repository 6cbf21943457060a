"""The optional confidence question, asked before a module and after passing its quiz."""

from __future__ import annotations

from sqlalchemy import select

from training_portal.extensions import db
from training_portal.learning.models import ConfidenceRating
from training_portal.modules.content import Module

BEFORE, AFTER = "before", "after"
STAGES = (BEFORE, AFTER)


def parse_rating(raw: str) -> int | None:
    """1–5 from the form; anything else (nothing chosen, tampering) counts as a skip."""
    return int(raw) if raw in ("1", "2", "3", "4", "5") else None


def has_answered(user_id: int, module: Module, stage: str, attempt_id: int | None = None) -> bool:
    """Skipping counts as an answer: the question is asked once, never nagged."""
    query = select(ConfidenceRating.id).where(
        ConfidenceRating.user_id == user_id, ConfidenceRating.module_slug == module.slug,
        ConfidenceRating.stage == stage)
    if stage == BEFORE:
        query = query.where(ConfidenceRating.module_version == module.version)
    else:
        query = query.where(ConfidenceRating.attempt_id == attempt_id)
    return db.session.scalar(query.limit(1)) is not None


def record(user_id: int, module: Module, stage: str, rating: int | None,
           attempt_id: int | None = None) -> bool:
    """Store a rating (1–5) or a skip (None) once per stage; returns whether anything was stored."""
    if stage not in STAGES or (rating is not None and not 1 <= rating <= 5):
        raise ValueError("unknown stage or rating out of range")
    if has_answered(user_id, module, stage, attempt_id):
        return False
    db.session.add(ConfidenceRating(user_id=user_id, module_slug=module.slug,
                                    module_version=module.version, stage=stage, rating=rating,
                                    attempt_id=attempt_id if stage == AFTER else None))
    return True
