"""Account rules: registration, authentication, one-time tokens, profile changes.

Services add and flush; the caller (a view or CLI command) commits once.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from training_portal import audit
from training_portal.accounts.models import AuthToken, User
from training_portal.accounts.passwords import hash_password, needs_rehash, verify_password
from training_portal.accounts.session_checks import note_session_change
from training_portal.db import utcnow
from training_portal.extensions import db

PURPOSE_RESET = "reset"
PURPOSE_LOGIN = "login"
KNOWN_ROLES = ("trainer", "admin")


class AccountError(ValueError):
    """A rule was broken; the message is safe to show to the person."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not right."""


class EmailTaken(AccountError):
    """Another account already uses this email address."""


def normalise_email(email: str) -> str:
    """The one stored and compared form of an address: trimmed, Unicode NFC, lower case.

    NFC first, so "é" typed as one code point or as "e" + combining accent is one address
    (one mailbox cannot hold two accounts); lower case (``str.lower``, not ``casefold``:
    casefolding turns "ß" into "ss" and could merge two real, different mailboxes); NFC again,
    as lower-casing can leave a decomposed sequence.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", email.strip()).lower())


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def register(name: str, email: str, password: str, printed_name: str | None = None) -> User:
    if find_user_by_email(email) is not None:
        raise EmailTaken(_l("An account with this email address already exists. "
                           "Log in, or ask for a sign-in link."))
    user = User(name=name.strip(), email=normalise_email(email),
                password_hash=hash_password(password),
                printed_name=(printed_name or "").strip() or None)
    db.session.add(user)
    db.session.flush()
    audit.record(user.id, "account.registered", "user", user.id)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The same answer (None) for an unknown address, a wrong password and a disabled account."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or user.is_disabled:
        return None
    _upgrade_hash(user, password)
    return user


def _upgrade_hash(user: User, password: str) -> None:
    """A hash made with older Argon2 parameters is replaced while the password is at hand, in
    the log-in's own transaction. The audit row names the new parameters, never the hash."""
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        audit.record(user.id, "account.password_rehashed", "user", user.id,
                     parameters=user.password_hash.split("$")[3])


def mark_logged_in(user: User) -> None:
    user.last_login_at = utcnow()


def end_all_sessions(user: User) -> None:
    user.session_version = (user.session_version or 1) + 1
    note_session_change(user.id)


def token_hash(raw: str) -> str:
    """What is stored for a one-time token sent by email or shown once: never the token itself."""
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, purpose: str, minutes: int) -> str:
    raw = secrets.token_urlsafe(32)
    db.session.add(AuthToken(user_id=user.id, purpose=purpose, token_hash=token_hash(raw),
                             expires_at=utcnow() + timedelta(minutes=minutes)))
    db.session.flush()
    return raw


def peek_token(raw: str, purpose: str) -> User | None:
    """The token's user when it is still usable, without spending it."""
    token = db.session.scalar(select(AuthToken).where(AuthToken.token_hash == token_hash(raw)))
    if token is None or token.purpose != purpose or token.used_at is not None:
        return None
    if token.expires_at <= utcnow():
        return None
    user = db.session.get(User, token.user_id)
    return None if user is None or user.is_disabled else user


def consume_token(raw: str, purpose: str) -> User | None:
    """Spend a token once: a conditional UPDATE makes two racing uses produce one winner."""
    user = peek_token(raw, purpose)
    if user is None:
        return None
    now = utcnow()
    result = db.session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash == token_hash(raw), AuthToken.used_at.is_(None),
               AuthToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return user if result.rowcount == 1 else None  # type: ignore[attr-defined]


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.record(user.id, "account.password_changed", "user", user.id)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise WrongPassword(_l("Your current password is not right."))
    set_password(user, new)


def change_email(user: User, current_password: str, new_email: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword(_l("Your current password is not right."))
    other = find_user_by_email(new_email)
    if other is not None and other.id != user.id:
        raise EmailTaken(_l("That email address is already used by another account."))
    audit.record(user.id, "account.email_changed", "user", user.id, old=user.email)
    user.email = normalise_email(new_email)
    note_session_change(user.id)


def change_name(user: User, new_name: str, printed_name: str | None = None) -> bool:
    """Audited with the old and new name (and name as printed). Issued certificates keep the
    name they were issued with (certificates.holder_name); True when anything changed."""
    new_name = new_name.strip()
    printed_name = (printed_name or "").strip() or None
    if new_name == user.name and printed_name == user.printed_name:
        return False
    audit.record(user.id, "account.name_changed", "user", user.id, old=user.name, new=new_name,
                 **({"old_printed": user.printed_name, "new_printed": printed_name}
                    if printed_name != user.printed_name else {}))
    user.name = new_name
    user.printed_name = printed_name
    note_session_change(user.id)
    return True


def set_role(user: User, role: str, granted: bool) -> None:
    if role not in KNOWN_ROLES:
        raise AccountError(f"Unknown role {role!r}: use one of {', '.join(KNOWN_ROLES)}.")
    setattr(user, f"is_{role}", granted)
    note_session_change(user.id)  # access rules read the role from the session check
    audit.record(None, f"role.{'granted' if granted else 'revoked'}", "user", user.id, role=role)


def set_disabled(user: User, disabled: bool) -> None:
    user.is_disabled = disabled
    if disabled:
        end_all_sessions(user)
    audit.record(None, "account.disabled" if disabled else "account.enabled", "user", user.id)
