from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from training_portal.db import UTCDateTime, utcnow
from training_portal.extensions import db


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The name as certificates print it, given when the certificate fonts cannot draw ``name``.
    printed_name: Mapped[str | None] = mapped_column(String(120))
    #: Stored lower-cased; the address people sign in with.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_trainer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Part of every session cookie; bumping it ends all of this person's sessions.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    #: The database's clock (microseconds) when anything the session check reads last changed;
    #: every worker polls it to drop checks it remembers (accounts/session_checks.py).
    session_stamp: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0",
                                               index=True)
    #: Indexed: the admin people list shows the newest first.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def name_for_print(self) -> str:
        """The name PDFs print: the "name as printed" when the person gave one (their name
        uses letters the certificate fonts cannot draw), else their name."""
        return self.printed_name or self.name

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return not self.is_disabled


class AuthToken(db.Model):  # type: ignore[name-defined,misc]
    """A one-time emailed token (password reset or sign-in link); only its hash is kept."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
