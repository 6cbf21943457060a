"""Mail leaves the request: an action queues its mail in its own transaction; a drain sends it.

Why: a password reset, a sign-in link or a passed quiz must never wait on SMTP, nor fail
because of it, and reminders will soon queue hundreds of mails at once.

- ``queue_mail`` adds a row in the caller's transaction (flush, no commit): the mail exists
  only if the action commits, so a rolled-back action sends nothing.
- ``send_queued`` drains the queue: ``flask mail send-queued`` from cron in production
  (``MAIL_DELIVERY=queue``). In development and tests (``MAIL_DELIVERY=inline``) the request
  that queued a mail sends it itself once the request is over (``init_app``), so ``make run``
  needs no second process.

Two drains at once (overlapping cron runs, or cron and an inline request) never send the same
row. A drain claims a batch and commits the claim: on PostgreSQL ``SELECT … FOR UPDATE SKIP
LOCKED`` gives concurrent drains disjoint rows without waiting; on SQLite (one writer at a
time) the claiming UPDATE repeats the "still claimable" test, so a row claimed by another
drain in the meantime is left alone. Before each send the drain renews its claim on that row
(an UPDATE conditional on its claim token, committed): if another drain has taken the row
over because the claim went stale, it is skipped.

Commits: the claim, then per mail the renewal and the outcome (sent, or a failure with its
backoff). A crash loses nothing: rows a dead drain had claimed are taken over once their
claim is older than ``CLAIM_TIMEOUT``. The one mail whose send had finished when the drain
died, before the outcome was committed, is sent again: at most one re-send per crash. We
prefer a duplicate email to a lost password reset.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import ColumnElement, and_, case, func, insert, or_, select, update
from sqlalchemy.orm import Session

from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.notifications.mail import send_mail
from training_portal.notifications.models import QueuedMail

log = logging.getLogger(__name__)

KINDS = frozenset({"reset", "login_link", "certificate", "invitation", "nudge", "reminder",
                   "digest", "reset_request", "login_request"})
#: Not sent: no account used the address of a reset or sign-in-link request.
NO_ACCOUNT = "not sent: no account uses this address"
#: Attempts before a mail is given up: 1 + 2 + 4 + 8 minutes of retries, about a quarter
#: of an hour, well inside a reset link's lifetime.
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)
#: Far longer than one send can take (the SMTP timeout is 10 s), since the claim is renewed
#: before every send; a dead drain's rows wait this long before another drain takes them.
CLAIM_TIMEOUT = timedelta(minutes=10)
ERROR_LENGTH = 200
_INLINE_IDS = "queued_mail_ids"


@dataclass(frozen=True)
class DrainResult:
    sent: int
    failed: int
    remaining: int


@dataclass(frozen=True)
class Outgoing:
    """One mail to queue with ``queue_mails``."""

    to: str
    subject: str
    body: str
    kind: str


def queue_mail(to: str, subject: str, body: str, kind: str) -> QueuedMail:
    """Queue a mail in the caller's transaction; it is sent only if the caller commits."""
    _check_kind(kind)
    now = utcnow()
    mail = QueuedMail(kind=kind, to_address=to, subject=subject, body=body, created_at=now,
                      send_after=now, attempts=0)
    db.session.add(mail)
    db.session.flush()
    _send_inline_later([mail.id])
    return mail


def queue_mails(mails: Sequence[Outgoing]) -> list[int]:
    """Queue many mails in the caller's transaction with one multi-row INSERT (no ORM
    objects, no flush per mail: the daily reminders queue thousands); their ids, in no
    particular order (asking for parameter order makes SQLAlchemy insert row by row on SQLite).

    The same rules as ``queue_mail``: sent only if the caller commits.
    """
    if not mails:
        return []
    for mail in mails:
        _check_kind(mail.kind)
    now = utcnow()
    rows = [{"kind": m.kind, "to_address": m.to, "subject": m.subject, "body": m.body,
             "created_at": now, "send_after": now, "attempts": 0} for m in mails]
    statement = insert(QueuedMail).returning(QueuedMail.id)
    ids = list(db.session.scalars(statement, rows))
    _send_inline_later(ids)
    return ids


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}; add it to KINDS")


def _send_inline_later(ids: list[int]) -> None:
    if has_request_context():
        g.setdefault(_INLINE_IDS, []).extend(ids)


def send_queued(limit: int = 100, now: datetime | None = None) -> DrainResult:
    """Send up to ``limit`` due mails, oldest first; commits as it goes (see the module)."""
    sent, failed = drain(db.session(), limit, now)
    return DrainResult(sent, failed, count_unsent(db.session()))


def drain(session: Session, limit: int, now: datetime | None = None,
          only_ids: Collection[int] | None = None) -> tuple[int, int]:
    """(sent, failed) for one batch claimed through ``session``; ``only_ids`` narrows it."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    token = uuid.uuid4().hex
    ids = claim(session, token, limit, clock(), only_ids)
    session.commit()
    sent = failed = 0
    for mail_id in ids:
        mail = _renew_claim(session, mail_id, token, clock())
        if mail is None:
            continue  # another drain took it over after our claim went stale
        if _send_one(session, mail, clock):
            sent += 1
        else:
            failed += 1
    return sent, failed


def claim(session: Session, token: str, limit: int, now: datetime,
          only_ids: Collection[int] | None = None) -> list[int]:
    """Mark up to ``limit`` due rows as this drain's; the caller commits the claim.

    Call it at the start of a transaction: on SQLite the claiming UPDATE must open the write
    transaction itself, so it waits for (and then sees) a concurrent drain's claim.
    """
    due = (select(QueuedMail.id).where(_claimable(now))
           .order_by(QueuedMail.send_after, QueuedMail.id).limit(limit)
           .with_for_update(skip_locked=True))  # PostgreSQL; SQLite ignores it
    if only_ids is not None:
        due = due.where(QueuedMail.id.in_(list(only_ids)))
    ids = list(session.scalars(due))
    if not ids:
        return []
    session.execute(update(QueuedMail).where(QueuedMail.id.in_(ids), _claimable(now))
                    .values(claimed_at=now, claim_token=token)
                    .execution_options(synchronize_session=False))
    return list(session.scalars(select(QueuedMail.id).where(QueuedMail.claim_token == token)
                                .order_by(QueuedMail.send_after, QueuedMail.id)))


def _unsent() -> ColumnElement[bool]:
    return and_(QueuedMail.sent_at.is_(None), QueuedMail.failed_at.is_(None))


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(_unsent(), QueuedMail.send_after <= now,
                or_(QueuedMail.claimed_at.is_(None),
                    QueuedMail.claimed_at < now - CLAIM_TIMEOUT))


def _renew_claim(session: Session, mail_id: int, token: str,
                 now: datetime) -> QueuedMail | None:
    """Committed before the send, so the claim is fresh while the mail is on its way."""
    renewed = session.execute(
        update(QueuedMail).where(QueuedMail.id == mail_id, QueuedMail.claim_token == token,
                                 _unsent())
        .values(claimed_at=now).execution_options(synchronize_session=False))
    session.commit()
    if renewed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(QueuedMail, mail_id, populate_existing=True)


def _prepare(mail: QueuedMail) -> bool:
    """A reset or sign-in-link request becomes its real mail here, outside the request that
    asked (once: a retry resends the same mail). False when there is nothing to send."""
    from training_portal.notifications.accounts import REQUEST_KINDS, prepare

    if mail.kind not in REQUEST_KINDS:
        return True
    prepared = prepare(mail.kind, mail.to_address, mail.body)
    if prepared is None:
        return False
    mail.kind, mail.subject, mail.body = prepared
    return True


def _send_one(session: Session, mail: QueuedMail, clock: Callable[[], datetime]) -> bool:
    if not _prepare(mail):
        mail.sent_at, mail.body, mail.last_error = clock(), "", NO_ACCOUNT
        mail.claimed_at = mail.claim_token = None
        session.commit()
        return True
    try:
        send_mail(mail.to_address, mail.subject, mail.body)
    except Exception as exc:  # any transport failure: retried later, never raised
        _record_failure(mail, exc, clock())
        session.commit()
        log.warning("Mail %s (%s) not sent, attempt %d: %s", mail.id, mail.kind,
                    mail.attempts, mail.last_error)
        return False
    mail.sent_at = clock()
    mail.body = ""  # sent: its one-time links need not be kept
    mail.claimed_at = mail.claim_token = None
    session.commit()
    return True


def _record_failure(mail: QueuedMail, exc: Exception, now: datetime) -> None:
    mail.attempts += 1
    mail.last_error = short_error(exc, _secrets(mail))
    mail.claimed_at = mail.claim_token = None
    if mail.attempts >= MAX_ATTEMPTS:
        mail.failed_at = now
        mail.body = ""
    else:
        mail.send_after = now + retry_delay(mail.attempts)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd, 4th failure."""
    return RETRY_BASE * 2 ** (attempts - 1)


def short_error(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """One line for ``last_error``: the error's type and message with the secrets and any
    link cut out, then shortened."""
    text = f"{type(exc).__name__}: {exc}"
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    text = re.sub(r"https?://\S+", "[link]", text)
    return " ".join(text.split())[:ERROR_LENGTH]


def _secrets(mail: QueuedMail) -> list[str]:
    """What an error message must never carry: the SMTP password, the body, its lines."""
    lines = [line.strip() for line in mail.body.splitlines() if len(line.strip()) >= 8]
    return [current_app.config.get("MAIL_PASSWORD") or "", mail.body.strip(), *lines]


def count_unsent(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(QueuedMail).where(_unsent())) or 0


STATES = ("due", "waiting", "sending", "sent", "failed")


def mail_status(session: Session, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """{state: {kind: count}} for every state in ``STATES``, in one query.

    due: ready to send; waiting: to be retried later; sending: claimed by a live drain;
    sent; failed: given up after ``MAX_ATTEMPTS``.
    """
    now = now or utcnow()
    state = case(
        (QueuedMail.sent_at.is_not(None), "sent"),
        (QueuedMail.failed_at.is_not(None), "failed"),
        (QueuedMail.claimed_at >= now - CLAIM_TIMEOUT, "sending"),
        (QueuedMail.send_after > now, "waiting"),
        else_="due",
    )
    rows = select(state.label("state"), QueuedMail.kind).subquery()
    counts: dict[str, dict[str, int]] = {name: {} for name in STATES}
    for name, kind, count in session.execute(
            select(rows.c.state, rows.c.kind, func.count())
            .group_by(rows.c.state, rows.c.kind).order_by(rows.c.kind)):
        counts[name][kind] = count
    return counts


def init_app(app: Flask) -> None:
    """In ``inline`` mode a request sends the mail it queued and committed, as it ends."""
    if app.config["MAIL_DELIVERY"] == "inline":
        app.teardown_request(_deliver_inline)


def _deliver_inline(exc: BaseException | None) -> None:
    ids = g.pop(_INLINE_IDS, None)
    if not ids:
        return
    try:
        # What the view left uncommitted is dropped now, as the request's end would drop it,
        # so a rolled-back mail no longer exists and cannot be claimed.
        db.session.rollback()
        drain(db.session(), len(ids), only_ids=ids)
    except Exception:  # never the user's problem; the mail stays queued for the drain
        db.session.rollback()
        log.exception("Sending queued mail %s in-process failed", ids)
