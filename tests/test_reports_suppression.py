"""The small-number rule: what the partnership may see of counts, shares, rows and tables."""

from __future__ import annotations

import itertools
import random

import pytest

from training_portal.reports.suppression import (
    Figure,
    Table,
    count,
    group_total_gives_away,
    share,
    statistic,
    suppress_row,
    suppress_rows,
    suppress_table,
    withheld_total,
)


def _texts(figures: tuple[Figure, ...] | list[Figure] | None) -> list[str] | None:
    return None if figures is None else [f.text() for f in figures]


# --- counts -------------------------------------------------------------------------------------

def test_four_people_is_withheld():
    figure = count(4)
    assert figure.suppressed
    assert figure.value is None
    assert figure.text() == "fewer than 5"
    assert figure.base == 4  # the code still knows it


def test_five_people_is_shown():
    figure = count(5)
    assert not figure.suppressed
    assert figure.value == 5
    assert figure.text() == "5"
    assert figure.base == 5


def test_one_person_is_withheld():
    assert count(1).text() == "fewer than 5"


def test_zero_is_shown_because_it_reveals_nobody():
    figure = count(0)
    assert not figure.suppressed
    assert figure.text() == "0"


def test_large_counts_have_thousands_separators_unless_told_otherwise():
    assert count(12345).text() == "12,345"
    assert count(12345).text("{:d} people") == "12345 people"


def test_a_negative_count_is_a_bug():
    with pytest.raises(ValueError, match="a count of people is never negative"):
        count(-1)


def test_a_figure_cannot_both_have_a_value_and_be_withheld():
    with pytest.raises(ValueError, match="a figure has a value exactly when it is not withheld"):
        Figure(3, 3, "small")
    with pytest.raises(ValueError, match="a figure has a value exactly when it is not withheld"):
        Figure(None, 3)


# --- shares -------------------------------------------------------------------------------------

def test_a_share_of_four_people_is_withheld():
    figure = share(3, 4)
    assert figure.suppressed
    assert figure.text() == "fewer than 5"
    assert figure.base == 4


def test_a_share_of_five_people_is_shown_even_with_a_small_numerator():
    figure = share(3, 5)
    assert not figure.suppressed
    assert figure.value == 60
    assert figure.base == 5
    assert figure.text() == "60%"


def test_a_share_of_nobody_is_withheld():
    assert share(0, 0).text() == "fewer than 5"


def test_a_share_is_printed_rounded_down_so_100_percent_means_everyone():
    assert share(199, 200).text() == "99%"
    assert share(4, 6).text() == "66%"
    assert share(200, 200).text() == "100%"
    assert share(4, 6).text("{:.1f}%") == "66.7%"


def test_a_share_counts_people_not_answers_when_told():
    # 8 answers, but from 4 people: built on fewer than 5 people.
    assert share(6, 8, people=4).suppressed
    shown = share(6, 8, people=5)
    assert shown.value == 75
    assert shown.base == 5


@pytest.mark.parametrize(("numerator", "denominator", "people"), [(6, 5, None), (-1, 5, None), (2, 5, 6)])
def test_impossible_shares_are_bugs(numerator, denominator, people):
    with pytest.raises(ValueError, match="a share needs 0 <= numerator <= denominator|people behind a share cannot"):
        share(numerator, denominator, people=people)


# --- a row with its total -----------------------------------------------------------------------

def test_one_small_cell_hides_the_total_it_could_be_worked_out_from():
    cells, total = suppress_row([7, 3, 9], 19)
    assert _texts(cells) == ["7", "fewer than 5", "9"]
    assert total is not None
    assert total.suppressed
    assert total.text() == "not shown"  # not "fewer than 5": that would be a lie about 19
    assert total.base == 19


def test_two_small_cells_keep_the_total_when_they_cannot_be_told_apart():
    # 12 - 7 = 5 people in the two hidden cells: 1+4, 2+3, 3+2 or 4+1.
    cells, total = suppress_row([7, 3, 2], 12)
    assert _texts(cells) == ["7", "fewer than 5", "fewer than 5"]
    assert total is not None
    assert total.text() == "12"


def test_a_hidden_group_of_fewer_than_five_hides_the_total():
    # 10 - 7 = 3 people are in the two hidden cells together: a count under 5.
    assert suppress_row([7, 1, 2], 10)[1].text() == "not shown"  # type: ignore[union-attr]


@pytest.mark.parametrize("row", [[7, 1, 1, 9], [7, 4, 4]])
def test_hidden_cells_pinned_by_their_range_hide_the_total(row):
    # 1+1 is the only way to make 2 from two counts of 1 to 4; 4+4 the only way to make 8.
    assert suppress_row(row, sum(row))[1].text() == "not shown"  # type: ignore[union-attr]


def test_a_row_without_small_cells_keeps_its_total():
    cells, total = suppress_row([7, 8, 9], 24)
    assert _texts(cells) == ["7", "8", "9"]
    assert total is not None
    assert total.value == 24


def test_zeros_stay_shown_and_a_small_total_is_itself_withheld():
    cells, total = suppress_row([0, 0, 3], 3)
    assert _texts(cells) == ["0", "0", "fewer than 5"]
    assert total is not None
    assert total.text() == "fewer than 5"


def test_a_row_without_a_total_only_hides_its_small_cells():
    cells, total = suppress_row([7, 3, 9], None)
    assert _texts(cells) == ["7", "fewer than 5", "9"]
    assert total is None


def test_a_total_must_be_the_sum_of_its_cells():
    with pytest.raises(ValueError):
        suppress_row([7, 3], 11)


# --- tables -------------------------------------------------------------------------------------

def test_the_column_total_is_hidden_too_when_it_would_give_the_cell_away():
    # Hiding row 1's total (19) is not enough: column 2 says 9, and 9 - 6 = 3.
    table = suppress_table([[7, 3, 9],
                            [8, 6, 10]])
    assert [_texts(row) for row in table.cells] == [["7", "fewer than 5", "9"], ["8", "6", "10"]]
    assert _texts(table.row_totals) == ["not shown", "24"]
    assert _texts(table.column_totals) == ["15", "not shown", "19"]
    assert table.grand_total is None


def test_a_printed_grand_total_would_give_back_a_hidden_column_total():
    # 43 - 15 - 19 = 9 for column 2, then 9 - 6 = 3: so the grand total goes too.
    table = suppress_table([[7, 3, 9], [8, 6, 10]], grand_total=True)
    assert _texts(table.column_totals) == ["15", "not shown", "19"]
    assert table.grand_total is not None
    assert table.grand_total.text() == "not shown"


def test_rows_and_columns_together_give_away_what_no_single_line_does():
    # Row totals 16 and 8 and column totals 5 and 7 each hide two or more cells, and column 3's
    # total (12, hiding the single 3) is withheld. But rows add up to 24, so column 3 is
    # 24 - 5 - 7 = 12 and its hidden cell 12 - 9 = 3: one more total must go.
    table = suppress_table([[3, 4, 9],
                            [2, 3, 3]])
    assert [_texts(row) for row in table.cells] == [
        ["fewer than 5", "fewer than 5", "9"], ["fewer than 5", "fewer than 5", "fewer than 5"]]
    assert _texts(table.column_totals) == ["5", "7", "not shown"]
    assert _texts(table.row_totals) == ["16", "not shown"]
    assert _attack(table, [[3, 4, 9], [2, 3, 3]]) == []


def test_a_table_without_small_cells_shows_everything():
    table = suppress_table([[12, 0], [9, 7]], grand_total=True)
    assert [_texts(row) for row in table.cells] == [["12", "0"], ["9", "7"]]
    assert _texts(table.row_totals) == ["12", "16"]
    assert _texts(table.column_totals) == ["21", "7"]
    assert table.grand_total is not None
    assert table.grand_total.value == 28


def test_totals_not_asked_for_are_not_returned():
    table = suppress_table([[7, 3, 9], [8, 6, 10]], row_totals=False)
    assert table.row_totals is None
    assert _texts(table.column_totals) == ["15", "not shown", "19"]


def test_a_ragged_table_is_a_bug():
    with pytest.raises(ValueError):
        suppress_table([[7, 3], [8]])


def _attack(table: Table, matrix: list[list[int]]) -> list[tuple[int, int]]:
    """Every hidden cell a reader could work out exactly, trying every value it could have (1 to 4)."""
    n_rows, n_cols = len(matrix), len(matrix[0])
    hidden = [(r, c) for r in range(n_rows) for c in range(n_cols) if table.cells[r][c].suppressed]
    possible: dict[tuple[int, int], set[int]] = {cell: set() for cell in hidden}
    for guess in itertools.product(range(1, 5), repeat=len(hidden)):
        grid = [row[:] for row in matrix]
        for (r, c), value in zip(hidden, guess, strict=True):
            grid[r][c] = value
        row_sums = [sum(row) for row in grid]
        col_sums = [sum(row[c] for row in grid) for c in range(n_cols)]
        pairs = [*zip(table.row_totals or (), row_sums, strict=False),
                 *zip(table.column_totals or (), col_sums, strict=False)]
        if table.grand_total is not None:
            pairs.append((table.grand_total, sum(row_sums)))
        if all(_consistent(figure, value) for figure, value in pairs):
            for cell, value in zip(hidden, guess, strict=True):
                possible[cell].add(value)
    return [cell for cell in hidden if len(possible[cell]) == 1]


def _consistent(figure: Figure, value: int) -> bool:
    if figure.withheld == "small":
        return 1 <= value <= 4
    if figure.withheld == "secondary":
        return value >= 5
    return figure.value == value


def test_no_hidden_cell_can_be_worked_out_in_many_small_tables():
    rng = random.Random(20240601)
    checked = 0
    while checked < 150:
        n_rows, n_cols = rng.randint(1, 3), rng.randint(1, 3)
        matrix = [[rng.choice([0, 1, 2, 3, 4, 2, 3, 6, 9, 12]) for _ in range(n_cols)] for _ in range(n_rows)]
        if sum(1 <= v <= 4 for row in matrix for v in row) > 6:
            continue
        options = {"row_totals": rng.random() < 0.8, "column_totals": rng.random() < 0.8,
                   "grand_total": rng.random() < 0.5}
        table = suppress_table(matrix, **options)
        assert _attack(table, matrix) == [], (matrix, options)
        checked += 1


def test_a_mean_of_four_people_is_withheld_and_of_five_shown():
    assert statistic(1.25, 4).text() == "fewer than 5"
    assert statistic(None, 0).text() == "fewer than 5"
    shown = statistic(1.25, 5)
    assert shown.value == 1.25
    assert shown.text("{:+.1f}") == "+1.2"


# --- boundaries found by breaking the rule (docs/testing.md, "Mutation testing") -----------------

def _table_texts(table: Table) -> tuple[list[list[str] | None], list[str] | None, list[str] | None, str | None]:
    return ([_texts(row) for row in table.cells], _texts(table.row_totals), _texts(table.column_totals),
            None if table.grand_total is None else table.grand_total.text())


def test_a_grand_total_alone_that_gives_away_two_hidden_counts_is_not_shown():
    # 8 - 6 = 2 people in the two hidden cells: 1 and 1. No row or column total is printed, so
    # the grand total is the one to go (this used to raise RuntimeError instead).
    table = suppress_table([[1], [6], [1]], row_totals=False, column_totals=False, grand_total=True)
    assert _table_texts(table) == ([["fewer than 5"], ["6"], ["fewer than 5"]], None, None, "not shown")
    table = suppress_table([[0, 2], [0, 6]], row_totals=False, column_totals=False, grand_total=True)
    assert _table_texts(table) == ([["0", "fewer than 5"], ["0", "6"]], None, None, "not shown")
    assert _attack(table, [[0, 2], [0, 6]]) == []


def test_a_total_that_the_hidden_counts_can_make_in_several_ways_is_shown():
    # 1 + 4 = 5 could be 1+4, 2+3, 3+2 or 4+1: shown. 4 + 4 = 8 can only be 4+4: not shown,
    # and then the grand total (13 - 5 = 8) goes too.
    table = suppress_table([[1, 4], [4, 4]], row_totals=True, column_totals=False, grand_total=True)
    assert _table_texts(table)[1:] == (["5", "not shown"], None, "not shown")
    # 4, 1 and 1 make 6, as 2+2+2 or 1+1+4 do: the column total stays.
    table = suppress_table([[4], [1], [1]], row_totals=True, column_totals=True)
    assert _table_texts(table)[1:] == (["fewer than 5"] * 3, ["6"], None)
    # Four hidden counts making 5: one of them is 2, but nobody can tell which.
    table = suppress_table([[1, 2, 1, 1]], row_totals=True, column_totals=True, grand_total=True)
    assert _table_texts(table)[1:] == (["5"], ["fewer than 5"] * 4, "5")


def test_the_grand_total_of_one_row_is_its_row_total_and_goes_with_it():
    # 9 - 5 = 4 people behind the two hidden counts: a group under 5, so the row total goes,
    # and the grand total, which is the same 9, must go with it.
    table = suppress_table([[1, 5, 3]], row_totals=True, column_totals=False, grand_total=True)
    assert _table_texts(table) == ([["fewer than 5", "5", "fewer than 5"]], ["not shown"], None, "not shown")


def test_a_table_with_no_rows_is_empty():
    table = suppress_table([], grand_total=True)
    assert table.cells == ()
    assert table.row_totals == ()
    assert table.column_totals == ()
    assert table.grand_total is not None
    assert table.grand_total.text() == "0"


def test_every_figure_keeps_the_number_of_people_behind_it():
    table = suppress_table([[7, 3], [8, 6]])
    assert [[f.base for f in row] for row in table.cells] == [[7, 3], [8, 6]]
    assert [f.base for f in table.row_totals or ()] == [10, 14]
    assert [f.base for f in table.column_totals or ()] == [15, 9]
    assert statistic(2.5, 4).base == 4
    assert statistic(2.5, 6).base == 6


def test_misuse_is_reported_with_the_reason():
    with pytest.raises(ValueError, match="a statistic of 5 or more people has a value"):
        statistic(None, 5)
    with pytest.raises(ValueError, match="total must be the sum of its cells"):
        suppress_row([7, 3], 11)
    with pytest.raises(ValueError, match="every row needs the same number of cells"):
        suppress_table([[7, 3], [8]])
    with pytest.raises(ValueError, match="a count of people is never negative"):
        suppress_table([[7, -3]])


def test_when_no_total_is_left_to_hide_the_rule_refuses_rather_than_leaks():
    # Four counts of at least 1 with a total of "fewer than 5": each must be exactly 1. The rule
    # cannot say so without a lie about the total, so it raises (no caller passes such a row yet;
    # docs/testing.md, "Known gaps").
    with pytest.raises(RuntimeError, match="a count under 5 can be worked out and no total is left to hide"):
        suppress_row([1, 1, 1, 1], 4)


# --- a group's total beside its members' counts and shares (venues → area → programme) --------

def test_a_group_total_beside_one_small_member_gives_it_away():
    # Anchor 5 staff (4 in date), Bell 4 (1): the area's 9 and 5 would give Bell's 4 and 1 away.
    assert group_total_gives_away([5, 4], [4, 1])


def test_a_group_without_small_members_keeps_its_total():
    assert not group_total_gives_away([5, 6, 0], [4, 3, 0])
    assert not group_total_gives_away([], [])


def test_two_small_members_keep_the_total_when_neither_can_be_worked_out():
    # 3 + 4 hidden people (7), 2 + 3 in date (5), 2 not (2): the "not in date" group is under 5.
    assert group_total_gives_away([9, 3, 4], [6, 2, 3])
    # 3 + 4 + 4 hidden (11), 5 in date, 6 not: nothing can be worked out.
    assert not group_total_gives_away([9, 3, 4, 4], [6, 2, 2, 1])


def test_small_members_at_their_least_or_most_or_under_five_together_withhold_the_total():
    assert group_total_gives_away([8, 2, 2], [5, 1, 1])  # hidden people: 4
    assert group_total_gives_away([8, 3, 4, 4], [5, 0, 0, 0])  # nobody in date at the small venues
    assert group_total_gives_away([8, 3, 4, 4], [5, 3, 4, 4])  # everybody in date there


def test_a_group_of_tiny_members_is_withheld_without_the_row_rule_refusing():
    # suppress_row([1, 1, 1, 1], 4) refuses (see the test above); four venues of one person
    # each are simply a group whose total would give them away.
    assert group_total_gives_away([1, 1, 1, 1], [0, 0, 0, 0])
    assert group_total_gives_away([9, 1, 1, 1, 1], [9, 1, 0, 0, 0])


def test_a_withheld_total_says_not_shown():
    assert withheld_total(9).text() == "not shown" and withheld_total(9).value is None
    assert withheld_total(9, percent=True).text() == "not shown"
    assert withheld_total(4).text() == "fewer than 5"  # small itself: said as such


def test_a_group_member_needs_a_part_within_its_base():
    with pytest.raises(ValueError, match="0 <= part <= base"):
        group_total_gives_away([3], [4])
    with pytest.raises(ValueError, match="0 <= part <= base"):
        group_total_gives_away([3, 5], [1])


# --- independent rows (a week's passes per module, with the week's total) ----------------------

def test_rows_without_column_totals_are_settled_each_on_its_own_as_the_table_rule_would():
    rng = random.Random(7)
    for _ in range(200):
        matrix = [[rng.choice([0, 0, 1, 2, 3, 5, 8]) for _ in range(4)] for _ in range(rng.randint(1, 5))]
        try:
            expected = suppress_table(matrix, row_totals=True, column_totals=False)
        except RuntimeError:
            continue
        assert suppress_rows(matrix) == expected, matrix


def test_a_row_whose_small_total_would_pin_its_ones_has_its_total_not_shown():
    table = suppress_rows([[1, 1, 1, 1, 0, 0], [6, 0, 0, 0, 0, 0], [2, 1, 1, 0, 0, 0]])
    assert _texts(table.cells[0]) == ["fewer than 5"] * 4 + ["0", "0"]
    assert _texts(table.row_totals) == ["not shown", "6", "fewer than 5"]
    assert table.column_totals is None and table.grand_total is None


def test_independent_rows_must_have_the_same_length():
    with pytest.raises(ValueError, match="same number of cells"):
        suppress_rows([[1, 2], [3]])
