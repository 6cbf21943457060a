"""The mail queue: every outgoing mail is a row, written in the transaction of the action
that causes it and sent later by a drain (``flask mail send-queued``, or in-process in
development), so no request waits on SMTP.

A row's state follows from its timestamps: unsent (``sent_at`` and ``failed_at`` empty;
"sending" while a live drain's claim is fresh), sent, or failed for good (gave up).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from training_portal.db import UTCDateTime, utcnow
from training_portal.extensions import db

#: Only unsent rows are in the drain's index, so it stays small however much mail was sent.
_UNSENT = "sent_at IS NULL AND failed_at IS NULL"


class QueuedMail(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "mail_queue"
    __table_args__ = (
        Index("ix_mail_queue_due", "send_after", "id",
              sqlite_where=text(_UNSENT), postgresql_where=text(_UNSENT)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the mail is for ("reset", "certificate", …), so mail can be counted by purpose.
    kind: Mapped[str] = mapped_column(String(20))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    #: Emptied once the mail is sent or given up: bodies carry one-time sign-in and reset
    #: links, whose tokens the database otherwise keeps only as hashes.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Not before this time: the creation time, then pushed back after each failure.
    send_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The last transport error, short, never the body nor a password.
    last_error: Mapped[str | None] = mapped_column(String(200))
    #: Set by the drain that is sending the row; a claim older than the stale timeout
    #: belongs to a drain that died and may be taken over.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the drain gave up after the last attempt; the row stays, visible in
    #: ``flask mail status``.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
