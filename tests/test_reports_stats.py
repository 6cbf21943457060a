"""Pure helpers behind the figures: median, first-attempt pass rate, weeks."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from training_portal.reports.stats import count_by_week, last_n_weeks, median, pass_rate_first_attempt, week_start


def test_median_of_nothing_is_none():
    assert median([]) is None


@pytest.mark.parametrize(("values", "expected"), [([7], 7.0), ([3, 1, 2], 2.0), ([4, 1, 3, 2], 2.5),
                                                  ([10, 0], 5.0), ([1.5, 1.5, 9], 1.5)])
def test_median(values, expected):
    assert median(values) == expected


def test_median_takes_any_iterable():
    assert median(x for x in (5, 1, 9)) == 5.0


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 3, day, hour)


ATTEMPTS = [
    # user, module, started, passed
    (1, "spotting", _at(3), False), (1, "spotting", _at(4), True),   # failed first: counts as a fail
    (2, "spotting", _at(3), True),
    (3, "spotting", _at(5), True), (3, "spotting", _at(2), False),   # given out of order: 2 March is first
    (4, "spotting", _at(3), True),
    (5, "spotting", _at(3), True),
    (1, "responding", _at(6), True),
    (2, "responding", _at(6), False),
]


def test_only_the_first_attempt_at_a_module_counts():
    result = pass_rate_first_attempt(ATTEMPTS, "spotting")
    assert (result.passed, result.attempted, result.people) == (3, 5, 5)
    rate = result.rate()
    assert rate.value == 60
    assert rate.text() == "60%"


def test_all_modules_count_person_module_pairs_but_suppress_on_people():
    result = pass_rate_first_attempt(ATTEMPTS)
    assert (result.passed, result.attempted, result.people) == (4, 7, 5)
    assert result.rate().text() == "57%"


def test_a_first_attempt_rate_built_on_two_people_is_withheld():
    result = pass_rate_first_attempt(ATTEMPTS, "responding")
    assert (result.passed, result.attempted, result.people) == (1, 2, 2)
    assert result.rate().text() == "fewer than 5"


@pytest.mark.parametrize(("day", "monday"), [(date(2025, 3, 3), date(2025, 3, 3)),    # a Monday
                                             (date(2025, 3, 9), date(2025, 3, 3)),    # the Sunday after
                                             (date(2025, 3, 2), date(2025, 2, 24)),   # the Sunday before
                                             (date(2025, 1, 1), date(2024, 12, 30))])  # across a year
def test_week_start_is_the_monday(day, monday):
    assert week_start(day) == monday


def test_last_n_weeks_ends_with_this_week_oldest_first():
    weeks = last_n_weeks(date(2025, 3, 5), n=3)
    assert weeks == [date(2025, 2, 17), date(2025, 2, 24), date(2025, 3, 3)]


def test_last_26_weeks_by_default():
    weeks = last_n_weeks(date(2025, 3, 5))
    assert len(weeks) == 26
    assert weeks[0] == date(2024, 9, 9)
    assert weeks[-1] == date(2025, 3, 3)


def test_no_weeks():
    assert last_n_weeks(date(2025, 3, 5), n=0) == []
    with pytest.raises(ValueError):
        last_n_weeks(date(2025, 3, 5), n=-1)


def test_count_by_week_keeps_empty_weeks_and_drops_days_outside():
    weeks = [date(2025, 2, 24), date(2025, 3, 3)]
    days = [date(2025, 3, 3), date(2025, 3, 9), date(2025, 3, 10), date(2025, 2, 23)]
    assert count_by_week(days, weeks) == [(date(2025, 2, 24), 0), (date(2025, 3, 3), 2)]
