"""Argon2id password hashing with explicit, configurable parameters.

The defaults are OWASP's current minimum for Argon2id (m=19 MiB, t=2, p=1): about 25 ms of
CPU and 19 MiB per check, where argon2-cffi's own defaults (64 MiB, t=3, p=4) cost ~130–180 ms
and 64 MiB, which a shift-start rush of log-ins could not afford. Production refuses to start
below OWASP's minimum (``check_parameters``). A hash stored with other parameters is replaced
at the next successful log-in (``needs_rehash``). Tests switch to cheap parameters with
``PASSWORD_HASH_FAST``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

#: OWASP Password Storage Cheat Sheet, Argon2id: equally strong (memory KiB, iterations) pairs,
#: each with parallelism 1. Parameters pass when they reach one pair in both memory and time.
OWASP_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))
DEFAULT_MEMORY_KIB, DEFAULT_TIME_COST, DEFAULT_PARALLELISM = 19456, 2, 1

_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def meets_owasp_minimum(memory_kib: int, time_cost: int, parallelism: int) -> bool:
    return parallelism >= 1 and any(memory_kib >= m and time_cost >= t
                                    for m, t in OWASP_MINIMUMS)


def check_parameters(config: Mapping[str, Any]) -> str | None:
    """Why these settings are too weak for production, or None when they are strong enough."""
    m, t, p = _parameters(config)
    if config.get("PASSWORD_HASH_FAST") and not config.get("TESTING"):
        return "PASSWORD_HASH_FAST is for tests only"
    if not meets_owasp_minimum(m, t, p):
        return (f"Argon2id parameters m={m} KiB, t={t}, p={p} are below OWASP's minimum "
                f"(e.g. PASSWORD_HASH_MEMORY_KIB=19456 with PASSWORD_HASH_TIME_COST=2)")
    return None


def _parameters(config: Mapping[str, Any]) -> tuple[int, int, int]:
    return (int(config.get("PASSWORD_HASH_MEMORY_KIB", DEFAULT_MEMORY_KIB)),
            int(config.get("PASSWORD_HASH_TIME_COST", DEFAULT_TIME_COST)),
            int(config.get("PASSWORD_HASH_PARALLELISM", DEFAULT_PARALLELISM)))


@lru_cache(maxsize=4)
def _strong(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism)


def _hasher() -> PasswordHasher:
    config = current_app.config
    return _FAST if config.get("PASSWORD_HASH_FAST") else _strong(*_parameters(config))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Any Argon2 hash verifies (its parameters are read from the hash itself)."""
    if not password_hash:
        _hasher().hash(password)  # spend the same time as a real check
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with other parameters than those configured now."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
