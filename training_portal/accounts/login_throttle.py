"""The per-account log-in failure budget (issue 9): wrong passwords for one account are
counted whatever the client address, in Flask-Limiter's storage (Redis in production), so
guessing from many addresses is throttled too. The budget is LOGIN_ACCOUNT_FAILURE_LIMIT; once
spent, the account waits for the window to pass or uses the emailed sign-in link."""

from __future__ import annotations

import hashlib
import time

from flask import current_app
from limits import RateLimitItem, parse

from training_portal.accounts import services
from training_portal.extensions import limiter

#: Failed log-ins per account, whatever the client address (Flask-Limiter's storage: Redis in production).
ACCOUNT_FAILURES = "login-account-failures"


def _budget() -> RateLimitItem:
    return parse(current_app.config["LOGIN_ACCOUNT_FAILURE_LIMIT"])


def account_key(email: str) -> str:
    """The normalised address, hashed: the rate-limit store never holds people's addresses."""
    return hashlib.sha256(services.normalise_email(email).encode()).hexdigest()[:32]


def wait_seconds(email: str) -> int:
    """Seconds until this account may try a password again; 0 while it has failures to spare.
    Unknown addresses count the same way, so the answer never says whether an account exists."""
    budget, key = _budget(), account_key(email)
    if limiter.limiter.test(budget, ACCOUNT_FAILURES, key):
        return 0
    reset_at = limiter.limiter.get_window_stats(budget, ACCOUNT_FAILURES, key).reset_time
    return max(1, int(reset_at - time.time()) + 1)


def count_failure(email: str) -> None:
    limiter.limiter.hit(_budget(), ACCOUNT_FAILURES, account_key(email))
