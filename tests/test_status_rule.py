"""The one rule for "in date" (learning/status.py), at its boundaries, with literal dates.

Every date and number here is written out by hand; none is derived from the constants under
test (DUE_SOON_DAYS, a module's period), so a changed constant or an off-by-one fails a test.
"""

from __future__ import annotations

from datetime import date

import pytest

from training_portal.learning.status import (
    PassFacts,
    Refresher,
    past_starter_deadline,
    standing,
    starter_deadline,
    valid_until,
)


def _pass(passed_on: date, expires_on: date, version: str = "1.0") -> PassFacts:
    return PassFacts(version=version, passed_on=passed_on, expires_on=expires_on)


# --- no pass yet -------------------------------------------------------------------------

def test_no_pass_is_not_started_or_in_progress_and_has_no_date():
    today = date(2026, 3, 10)
    assert standing(1, None, False, today).state == "not_started"
    assert standing(1, None, True, today).state == "in_progress"
    for started in (False, True):
        result = standing(1, None, started, today)
        assert result.valid_until is None and result.set_by is None and not result.in_date


def test_a_refresher_rule_alone_never_makes_someone_in_date():
    result = standing(1, None, True, date(2026, 3, 10), (Refresher(6, "The Crown"),))
    assert (result.state, result.valid_until, result.set_by) == ("in_progress", None, None)


# --- the expiry day ----------------------------------------------------------------------

def test_a_pass_is_in_date_on_its_expiry_day_and_expired_the_day_after():
    passed = _pass(date(2025, 4, 30), date(2026, 4, 30))
    on_the_day = standing(1, passed, True, date(2026, 4, 30))
    assert on_the_day.state == "due_soon" and on_the_day.in_date
    assert on_the_day.valid_until == date(2026, 4, 30) and on_the_day.set_by is None
    day_after = standing(1, passed, True, date(2026, 5, 1))
    assert day_after.state == "expired" and not day_after.in_date
    assert day_after.valid_until == date(2026, 4, 30)


def test_due_soon_starts_thirty_days_before_the_last_day():
    passed = _pass(date(2025, 7, 1), date(2026, 7, 1))
    assert standing(1, passed, True, date(2026, 5, 31)).state == "passed"  # 31 days left
    assert standing(1, passed, True, date(2026, 6, 1)).state == "due_soon"  # 30 days left
    assert standing(1, passed, True, date(2026, 6, 1)).in_date
    assert standing(1, passed, True, date(2026, 5, 31)).in_date


def test_passed_long_before_expiry_is_passed_with_its_date():
    result = standing(1, _pass(date(2026, 1, 5), date(2027, 1, 5)), True, date(2026, 2, 1))
    assert (result.state, result.valid_until, result.set_by) == ("passed", date(2027, 1, 5), None)


# --- versions ----------------------------------------------------------------------------

@pytest.mark.parametrize("version,major", [("1.0", 1), ("2.7", 2), ("10.3", 10)])
def test_major_version_is_the_number_before_the_dot(version, major):
    assert _pass(date(2026, 1, 1), date(2027, 1, 1), version).major_version == major


def test_a_major_version_bump_makes_an_in_date_pass_outdated():
    passed = _pass(date(2026, 1, 5), date(2027, 1, 5), "1.4")
    today = date(2026, 2, 1)
    bumped = standing(2, passed, True, today)
    assert bumped.state == "outdated" and not bumped.in_date
    assert bumped.valid_until == date(2027, 1, 5)
    assert standing(1, passed, True, today).state == "passed"  # a minor change needs nothing


def test_a_newer_pass_than_the_module_is_not_outdated():
    # A pass of 3.0 while the published module is back at 2.x (a rollback) stays in date.
    assert standing(2, _pass(date(2026, 1, 5), date(2027, 1, 5), "3.0"), True,
                    date(2026, 2, 1)).state == "passed"


def test_an_outdated_pass_still_names_the_venue_that_set_its_date():
    passed = _pass(date(2026, 1, 15), date(2027, 1, 15), "1.0")
    result = standing(2, passed, True, date(2026, 2, 1), (Refresher(6, "The Crown"),))
    assert (result.state, result.valid_until, result.set_by) == ("outdated", date(2026, 7, 15), "The Crown")


def test_expired_wins_over_outdated():
    passed = _pass(date(2024, 1, 5), date(2025, 1, 5), "1.0")
    assert standing(2, passed, True, date(2026, 2, 1)).state == "expired"


# --- venue refreshers --------------------------------------------------------------------

def test_refresher_months_clamp_to_the_end_of_a_short_month():
    passed = _pass(date(2025, 8, 31), date(2026, 8, 31))
    assert valid_until(passed, (Refresher(6, "The Crown"),)) == (date(2026, 2, 28), "The Crown")
    in_leap_year = _pass(date(2027, 8, 31), date(2028, 8, 31))
    assert valid_until(in_leap_year, (Refresher(6, "The Crown"),)) == (date(2028, 2, 29), "The Crown")


def test_refresher_sets_the_expiry_day_and_names_the_venue():
    passed = _pass(date(2025, 8, 31), date(2026, 8, 31))
    crown = (Refresher(6, "The Crown"),)
    last_day = standing(1, passed, True, date(2026, 2, 28), crown)
    assert (last_day.state, last_day.valid_until, last_day.set_by) == (
        "due_soon", date(2026, 2, 28), "The Crown")
    after = standing(1, passed, True, date(2026, 3, 1), crown)
    assert (after.state, after.valid_until, after.set_by) == ("expired", date(2026, 2, 28), "The Crown")
    # Without the venue's rule the same pass is comfortably in date that day.
    assert standing(1, passed, True, date(2026, 3, 1)).state == "passed"


def test_of_two_refreshers_the_stricter_wins_and_is_named_whatever_the_order():
    passed = _pass(date(2026, 1, 15), date(2028, 1, 15))  # the module's own period: 24 months
    rules = (Refresher(12, "The Anchor"), Refresher(3, "The Crown"))
    assert valid_until(passed, rules) == (date(2026, 4, 15), "The Crown")
    assert valid_until(passed, tuple(reversed(rules))) == (date(2026, 4, 15), "The Crown")
    result = standing(1, passed, True, date(2026, 2, 1), rules)
    assert (result.state, result.valid_until, result.set_by) == ("passed", date(2026, 4, 15), "The Crown")
    assert standing(1, passed, True, date(2026, 3, 16), rules).state == "due_soon"


def test_a_refresher_longer_than_the_module_period_changes_nothing():
    passed = _pass(date(2026, 1, 15), date(2027, 1, 15))
    assert valid_until(passed, (Refresher(18, "The Anchor"),)) == (date(2027, 1, 15), None)
    result = standing(1, passed, True, date(2026, 2, 1), (Refresher(18, "The Anchor"),))
    assert (result.valid_until, result.set_by) == (date(2027, 1, 15), None)


def test_a_refresher_equal_to_the_module_period_leaves_the_module_named():
    passed = _pass(date(2026, 1, 15), date(2027, 1, 15))
    assert valid_until(passed, (Refresher(12, "The Anchor"),)) == (date(2027, 1, 15), None)


def test_no_refreshers_means_the_modules_own_expiry():
    assert valid_until(_pass(date(2026, 1, 15), date(2027, 1, 15))) == (date(2027, 1, 15), None)


# --- new starters ------------------------------------------------------------------------

def test_starter_deadline_is_joined_plus_the_days():
    assert starter_deadline(date(2026, 2, 20), 14) == date(2026, 3, 6)
    assert starter_deadline(date(2026, 2, 20), 0) == date(2026, 2, 20)
    assert starter_deadline(date(2026, 2, 20), None) is None


def test_starter_is_past_the_deadline_only_from_the_day_after():
    joined = date(2026, 2, 20)
    assert not past_starter_deadline(joined, 14, False, date(2026, 3, 6))  # the last day
    assert past_starter_deadline(joined, 14, False, date(2026, 3, 7))  # one day past


def test_starter_who_is_in_date_or_has_no_deadline_is_never_past_it():
    joined = date(2026, 2, 20)
    assert not past_starter_deadline(joined, 14, True, date(2026, 3, 7))
    assert not past_starter_deadline(joined, None, False, date(2027, 3, 7))


def test_a_zero_day_deadline_is_past_the_day_after_joining():
    joined = date(2026, 2, 20)
    assert not past_starter_deadline(joined, 0, False, date(2026, 2, 20))
    assert past_starter_deadline(joined, 0, False, date(2026, 2, 21))
