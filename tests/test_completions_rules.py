"""Expiry dates and the refresher rules, as plain functions."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from training_portal.completions.services import DUE_SOON_DAYS, add_months, completion_state


@pytest.mark.parametrize("start,months,expected", [
    (date(2026, 1, 15), 12, date(2027, 1, 15)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 1), 1, date(2027, 1, 1)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
])
def test_expiry_adds_whole_months_and_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def _module(version: str = "1.0"):
    return SimpleNamespace(major_version=int(version.split(".")[0]))


def _completion(expires_on: date, version: str = "1.0"):
    return SimpleNamespace(expires_on=expires_on, module_version=version)


def test_states_follow_the_dates_and_major_version():
    today = date(2026, 6, 1)
    far = today + timedelta(days=DUE_SOON_DAYS + 1)
    assert completion_state(_completion(far), _module(), today).state == "passed"
    assert completion_state(_completion(today + timedelta(days=DUE_SOON_DAYS)), _module(),
                            today).state == "due_soon"
    assert completion_state(_completion(today), _module(), today).state == "due_soon"
    assert completion_state(_completion(today - timedelta(days=1)), _module(),
                            today).state == "expired"
    assert completion_state(_completion(far, "1.0"), _module("1.3"), today).state == "passed"
    assert completion_state(_completion(far, "1.3"), _module("2.0"), today).state == "outdated"
