"""Completions: a pass is recorded once, with the module's version, content hash and expiry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import bindparam, func, select

from training_portal.extensions import db
from training_portal.learning.models import Attempt, Completion
from training_portal.learning.status import PassFacts, standing
from training_portal.modules.content import Module
from training_portal.timeutil import add_months, site_date


def record_pass(attempt: Attempt, module: Module, passed_at: datetime, today: date) -> Completion:
    """Called in the grading transaction, once; the unique attempt_id makes a repeat fail.

    The certificate is issued by the layer above (certificates), in the same transaction.
    """
    completion = Completion(
        user_id=attempt.user_id, attempt_id=attempt.id, module_slug=module.slug,
        # The version passed is the one the attempt was drawn from (it may be resumed after a
        # minor edit of the module).
        module_title=module.title, module_version=attempt.module_version,
        content_hash=attempt.content_hash, score=attempt.score or 0, passed_at=passed_at,
        expires_on=add_months(today, module.valid_for_months))  # today: the site-zone date of passing
    db.session.add(completion)
    db.session.flush()
    return completion


def _latest_statement(by_slug: bool):  # type: ignore[no-untyped-def]
    ranked = select(Completion.id, func.row_number().over(
        partition_by=Completion.module_slug,
        order_by=(Completion.passed_at.desc(), Completion.id.desc())).label("rank"),
    ).where(Completion.user_id == bindparam("user_id"))
    if by_slug:
        ranked = ranked.where(Completion.module_slug.in_(bindparam("slugs", expanding=True)))
    latest_ids = ranked.subquery()
    return (select(Completion).join(latest_ids, latest_ids.c.id == Completion.id)
            .where(latest_ids.c.rank == 1))


#: Built once: building the statement cost more CPU than running it.
_LATEST, _LATEST_OF_SLUGS = _latest_statement(False), _latest_statement(True)


def latest_completions(user_id: int, slugs: Iterable[str] | None = None) -> dict[str, Completion]:
    """The most recent pass per module for this person (by passed_at, then id), in one query.

    Only those rows are loaded: the database ranks each module's passes, so someone with
    years of refreshers costs no more than someone with one pass per module."""
    if slugs is None:
        found = db.session.scalars(_LATEST, {"user_id": user_id})
    else:
        found = db.session.scalars(_LATEST_OF_SLUGS, {"user_id": user_id, "slugs": list(slugs)})
    return {completion.module_slug: completion for completion in found}


def pass_facts(completion: Completion) -> PassFacts:
    """The facts the status rule needs, with the pass dated in the site's time zone."""
    return PassFacts(version=completion.module_version, passed_on=site_date(completion.passed_at),
                     expires_on=completion.expires_on, revoked=completion.revoked_at is not None)


def is_current(completion: Completion | None, module: Module, today: date) -> bool:
    """In date by the module's own rule (prerequisites ignore venue policies)."""
    if completion is None:
        return False
    return standing(module.major_version, pass_facts(completion), True, today).in_date
