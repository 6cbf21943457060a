"""Confidence before and after: hand-counted fixtures for distributions and paired change."""

from __future__ import annotations

from datetime import datetime

import pytest

from training_portal.reports.outcomes import (
    RatingRow,
    distribution,
    outcome,
    outcomes_by_module,
    paired_change,
)


def _row(user_id: int, slug: str, stage: str, rating: int | None, day: int) -> RatingRow:
    return RatingRow(user_id, slug, stage, rating, datetime(2025, 3, day, 12))


S, R = "spotting", "responding"
ROWS = [
    _row(1, S, "before", 2, 1), _row(1, S, "after", 4, 3),                               # +2
    _row(2, S, "before", 3, 1), _row(2, S, "before", 1, 2), _row(2, S, "after", 3, 4),   # earliest before: 0
    _row(3, S, "before", 4, 1), _row(3, S, "after", 5, 2), _row(3, S, "after", 3, 6),    # latest after: -1
    _row(4, S, "before", 5, 1),                                                          # before only
    _row(5, S, "before", None, 1), _row(5, S, "after", 4, 3),                            # skipped before
    _row(6, S, "before", None, 1), _row(6, S, "before", 2, 2), _row(6, S, "after", None, 3),
    _row(7, S, "before", 1, 1), _row(7, S, "after", 5, 2),                               # +4
    _row(8, S, "after", 3, 1), _row(8, S, "before", 2, 5),                               # after came first
    _row(1, R, "before", 3, 7), _row(1, R, "after", 4, 8),                               # +1
    _row(9, R, "before", 2, 7), _row(9, R, "after", 2, 8),                               # 0
]


def _only(*user_ids: int) -> list[RatingRow]:
    return [row for row in ROWS if row.user_id in user_ids and row.module_slug == S]


def test_a_person_with_only_a_before_answer_is_not_paired():
    change = paired_change(_only(4))
    assert change.pairs == 0
    assert change.mean_change is None


def test_two_before_answers_use_the_earliest():
    change = paired_change(_only(2))  # 3 then 1 before, 3 after: 3 -> 3
    assert (change.pairs, change.improved, change.same, change.worse) == (1, 0, 1, 0)


def test_two_after_answers_use_the_latest():
    change = paired_change(_only(3))  # 4 before, 5 then 3 after: 4 -> 3
    assert (change.pairs, change.improved, change.same, change.worse, change.total_change) == (1, 0, 0, 1, -1)


def test_an_after_answer_older_than_the_before_answer_is_not_a_pair():
    assert paired_change(_only(8)).pairs == 0


def test_skips_are_not_answers_and_are_counted_apart():
    before = distribution(_only(5, 6), "before")
    assert before.counts == (0, 1, 0, 0, 0)  # person 6 skipped, then answered 2; person 5 only skipped
    assert before.skipped == 1
    after = distribution(_only(5, 6), "after")
    assert after.counts == (0, 0, 0, 1, 0)
    assert after.skipped == 1
    assert paired_change(_only(5, 6)).pairs == 0


def test_distributions_for_one_module():
    before = distribution(ROWS, "before", S)
    assert before.counts == (1, 3, 1, 1, 1)
    assert (before.answers, before.people, before.skipped) == (7, 7, 1)
    assert [f.text() for f in before.shares()] == ["14%", "42%", "14%", "14%", "14%"]
    after = distribution(ROWS, "after", S)
    assert after.counts == (0, 0, 3, 2, 1)
    assert (after.answers, after.people, after.skipped) == (6, 6, 1)


def test_paired_change_for_one_module_carries_its_people_and_is_withheld_under_five():
    change = paired_change(ROWS, S)  # people 1, 2, 3, 7: +2, 0, -1, +4
    assert (change.pairs, change.people) == (4, 4)
    assert (change.improved, change.same, change.worse) == (2, 1, 1)
    assert change.mean_change == 1.25
    assert change.mean_figure().text() == "fewer than 5"
    assert [f.text() for f in change.shares()] == ["fewer than 5"] * 3


def test_overall_pairs_are_person_module_pairs():
    result = outcome(ROWS)
    change = result.change  # spotting's four, and responding's +1 (person 1 again) and 0 (person 9)
    assert (change.pairs, change.people) == (6, 5)
    assert (change.improved, change.same, change.worse) == (3, 2, 1)
    assert change.mean_change == 1.0
    assert change.mean_figure().text("{:+.1f}") == "+1.0"
    assert [f.text() for f in change.shares()] == ["50%", "33%", "16%"]
    assert result.before.counts == (1, 4, 2, 1, 1)
    assert (result.before.answers, result.before.people) == (9, 8)
    assert result.after.counts == (0, 1, 3, 3, 1)


def test_outcomes_by_module_in_slug_order():
    by_module = outcomes_by_module(ROWS)
    assert list(by_module) == [R, S]
    assert by_module[S] == outcome(ROWS, S)
    assert by_module[R].change.pairs == 2


@pytest.mark.parametrize(("stage", "rating"), [("during", 3), ("before", 0), ("after", 6)])
def test_impossible_rows_are_refused(stage, rating):
    with pytest.raises(ValueError):
        _row(1, S, stage, rating, 1)


def test_unknown_stage_is_refused():
    with pytest.raises(ValueError):
        distribution(ROWS, "during")
