"""Expiry dates and the refresher rules, as plain functions."""

from __future__ import annotations

from datetime import date

import pytest

from training_portal.learning.status import PassFacts, standing
from training_portal.timeutil import add_months


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


def _pass(expires_on: date, version: str = "1.0") -> PassFacts:
    return PassFacts(version=version, passed_on=date(2025, 6, 1), expires_on=expires_on)


def test_states_follow_the_dates_and_major_version():
    today = date(2026, 6, 1)
    assert standing(1, _pass(date(2026, 7, 2)), True, today).state == "passed"
    assert standing(1, _pass(date(2026, 7, 1)), True, today).state == "due_soon"
    assert standing(1, _pass(date(2026, 6, 1)), True, today).state == "due_soon"
    assert standing(1, _pass(date(2026, 5, 31)), True, today).state == "expired"
    assert standing(1, _pass(date(2026, 7, 2), "1.0"), True, today).state == "passed"
    assert standing(2, _pass(date(2026, 7, 2), "1.3"), True, today).state == "outdated"
