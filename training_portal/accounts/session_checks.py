"""Per-worker memory of session checks that passed in the last few seconds.

See ``accounts/sessions.py`` for why. Anything that ends a person's sessions calls
``forget_session_checks`` so that, in this worker, the change takes effect at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import current_app, has_app_context

if TYPE_CHECKING:
    from training_portal.accounts.sessions import SignedInUser


class RecentChecks:
    """Session checks that passed in this worker in the last few seconds, by session id."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._passed: dict[str, tuple[float, SignedInUser]] = {}

    def get(self, session_id: str) -> SignedInUser | None:
        found = self._passed.get(session_id)
        if found is None or self._clock() - found[0] >= self.seconds:
            return None
        return found[1]

    def remember(self, session_id: str, user: SignedInUser) -> None:
        if self.seconds <= 0:
            return
        if len(self._passed) > 10_000:  # bounded: old entries are useless anyway
            self._passed.clear()
        self._passed[session_id] = (self._clock(), user)

    def forget_user(self, user_id: int) -> None:
        for key in [k for k, (_, u) in list(self._passed.items()) if u.id == user_id]:
            self._passed.pop(key, None)


def recent_checks() -> RecentChecks:
    return current_app.extensions["session_checks"]


def forget_session_checks(user_id: int) -> None:
    if has_app_context() and "session_checks" in current_app.extensions:
        recent_checks().forget_user(user_id)
