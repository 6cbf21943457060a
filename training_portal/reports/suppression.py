"""The small-number rule: the one place that decides which figures the partnership may see.

The partnership sees counts, never people. So:

* a count of 1 to 4 people is shown as "fewer than 5" (`count`);
* 0 is shown: nobody is behind it, so it reveals no one;
* a share, mean or other statistic built on fewer than 5 people is shown as "fewer than 5"
  (`share`, `statistic`); a share whose base is 5 or more is shown, even with a small
  numerator (3 of 5 is shown as 60 %);
* a total is not shown ("not shown") when, with the figures around it, it would let a reader
  work out a hidden count exactly, or the size of a hidden group of fewer than 5 people
  (complementary suppression: `suppress_row`, `suppress_rows`, `suppress_table`; a group's total beside its
  members' counts and shares: `group_total_gives_away`).

Only totals are ever withheld to protect a hidden count; counts of 0 and of 5 or more are
always shown. "Worked out" means exactly: a reader may still narrow a hidden count down
(to "3 or 4", say), which the rule allows. Callers print `Figure.text()`; a withheld
figure's `value` is None. A 1,000-row table with many small counts takes about 0.1–0.2 s.
No Flask, no database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

THRESHOLD = 5
SMALL: Literal["small"] = "small"
SECONDARY: Literal["secondary"] = "secondary"
Withheld = Literal["small", "secondary"]
FEWER_THAN = f"fewer than {THRESHOLD}"
NOT_SHOWN = "not shown"


@dataclass(frozen=True)
class Figure:
    """One printable number and the number of people behind it.

    `withheld` says why a figure is hidden: SMALL (built on fewer than 5 people) or SECONDARY
    (a total that would reveal a hidden count). `base` is always known to the code, and is
    shown only when the figure is.
    """

    value: int | float | None
    base: int
    withheld: Withheld | None = None
    percent: bool = False

    def __post_init__(self) -> None:
        if (self.value is None) != (self.withheld is not None):
            raise ValueError("a figure has a value exactly when it is not withheld")

    @property
    def suppressed(self) -> bool:
        return self.withheld is not None

    def text(self, fmt: str | None = None) -> str:
        """What a template or CSV prints; a share is whole percent rounded down (100 % means everyone)."""
        if self.withheld == SMALL:
            return FEWER_THAN
        if self.withheld == SECONDARY:
            return NOT_SHOWN
        if fmt is not None:
            return fmt.format(self.value)
        if self.percent:
            return f"{math.floor(self.value or 0)}%"
        return f"{self.value:,}"


@dataclass(frozen=True)
class Table:
    """`suppress_table`'s answer: figures in the same shape as the counts given."""

    cells: tuple[tuple[Figure, ...], ...]
    row_totals: tuple[Figure, ...] | None
    column_totals: tuple[Figure, ...] | None
    grand_total: Figure | None


def count(n: int) -> Figure:
    """A number of people: 1 to 4 is withheld, 0 and 5 or more are shown."""
    if n < 0:
        raise ValueError("a count of people is never negative")
    if 0 < n < THRESHOLD:
        return Figure(None, n, SMALL)
    return Figure(n, n)


def share(numerator: int, denominator: int, people: int | None = None) -> Figure:
    """numerator/denominator as a percentage, withheld when built on fewer than 5 people.

    Pass `people` when the denominator counts something else (person × module pairs,
    answers): the rule is about people, so then `people` is the base. A denominator of 0 is
    built on nobody and is withheld too (there is no share to show).
    """
    if not 0 <= numerator <= denominator:
        raise ValueError("a share needs 0 <= numerator <= denominator")
    base = denominator if people is None else people
    if not 0 <= base <= denominator:
        raise ValueError("people behind a share cannot outnumber its denominator")
    if base < THRESHOLD:
        return Figure(None, base, SMALL, percent=True)
    return Figure(numerator * 100 / denominator, base, percent=True)


def statistic(value: float | None, people: int) -> Figure:
    """A mean, median or other summary of people: withheld when built on fewer than 5 of them."""
    if people < THRESHOLD:
        return Figure(None, people, SMALL)
    if value is None:
        raise ValueError("a statistic of 5 or more people has a value")
    return Figure(value, people)


def suppress_row(cells: Sequence[int], total: int | None) -> tuple[list[Figure], Figure | None]:
    """Counts that split a total (`total` must be their sum, or None when no total is printed)."""
    if total is not None and total != sum(cells):
        raise ValueError("a row's total must be the sum of its cells: add the missing category as a cell")
    table = suppress_table([cells], row_totals=total is not None, column_totals=False)
    return list(table.cells[0]), (table.row_totals[0] if table.row_totals else None)


class NothingLeftToHide(RuntimeError):
    """Every printed total is itself "fewer than 5" and still pins a count under it."""


def suppress_rows(matrix: Sequence[Sequence[int]]) -> Table:
    """Rows of counts, each printed with its own total and no column totals (a week's passes per
    module, say), so nothing links one row to another: each row is settled on its own.

    A row whose total cannot be printed at all, not even as "fewer than 5" (four or more counts
    of 1 under a total below 5: a reader would know each is exactly 1), gets its total as "not
    shown" and claims nothing about it; `suppress_row` refuses such a row rather than leak.
    """
    if len({len(row) for row in matrix}) > 1:
        raise ValueError("every row needs the same number of cells")
    cells: list[tuple[Figure, ...]] = []
    totals: list[Figure] = []
    for row in matrix:
        try:
            row_cells, total = suppress_row(row, sum(row))
        except NothingLeftToHide:
            row_cells, total = [count(v) for v in row], Figure(None, sum(row), SECONDARY)
        assert total is not None
        cells.append(tuple(row_cells))
        totals.append(total)
    return Table(tuple(cells), tuple(totals), None, None)


def withheld_total(base: int, percent: bool = False) -> Figure:
    """A total (a count, or a share when `percent`) withheld to protect a hidden figure beside it:
    "not shown", or "fewer than 5" when it is built on fewer than 5 people itself."""
    return Figure(None, base, SMALL if base < THRESHOLD else SECONDARY, percent=percent)


def group_total_gives_away(bases: Sequence[int], parts: Sequence[int]) -> bool:
    """Would a group's total and share, printed beside its members' own, give a hidden member away?

    Each member (a venue, say) is printed as `count(base)` people and `share(part, base)` of them
    (those in date, say), so a member with 1 to 4 people hides both. The group's total is
    `sum(bases)` people and `sum(parts)` of them, as a count and a share. Printed, it is withheld
    when the hidden members' people could be worked out (`suppress_row`), or when the part or the
    rest of the hidden members' people is a group of fewer than 5 (it would show, say, that
    nobody, or everybody, at a small venue is in date). A total that counts each person once
    (someone at two venues) is at most the sum, so a reader learns no more from it than from the sum.
    """
    if len(bases) != len(parts) or any(not 0 <= p <= b for b, p in zip(bases, parts, strict=True)):
        raise ValueError("each member needs 0 <= part <= base")
    hidden = [i for i, b in enumerate(bases) if 0 < b < THRESHOLD]
    if not hidden:
        return False
    hidden_people = sum(bases[i] for i in hidden)
    hidden_part = sum(parts[i] for i in hidden)
    if len(hidden) == 1 or min(hidden_people, hidden_part, hidden_people - hidden_part) < THRESHOLD:
        return True  # (settled before `suppress_row`, which refuses a row whose every total is small)
    _cells, total = suppress_row(list(bases), sum(bases))
    return total is not None and total.suppressed


def suppress_table(matrix: Sequence[Sequence[int]], row_totals: bool = True, column_totals: bool = True,
                   grand_total: bool = False) -> Table:
    """Counts in rows × columns, with the totals that will be printed beside them.

    Every count of 1 to 4 is withheld. Then a total is withheld when its line would reveal,
    with it, a hidden count or a hidden group of fewer than 5 people; and more totals are
    withheld, one at a time, until no hidden count can be worked out from all the shown
    figures together (row and column totals add up to the same grand total, printed or not).
    """
    n_rows, n_cols = len(matrix), len(matrix[0]) if matrix else 0
    if any(len(row) != n_cols for row in matrix):
        raise ValueError("every row needs the same number of cells")
    if any(v < 0 for row in matrix for v in row):
        raise ValueError("a count of people is never negative")
    grid = _Grid.build(matrix, n_rows, n_cols, row_totals, column_totals, grand_total)
    withheld = _withhold(grid)

    def figure(r: int, c: int) -> Figure:
        p = grid.at(r, c)
        value, why = grid.values[p], withheld[p]
        return Figure(None, value, why) if why else Figure(value, value)

    return Table(
        cells=tuple(tuple(figure(r, c) for c in range(n_cols)) for r in range(n_rows)),
        row_totals=tuple(figure(r, n_cols) for r in range(n_rows)) if row_totals else None,
        column_totals=tuple(figure(n_rows, c) for c in range(n_cols)) if column_totals else None,
        grand_total=figure(n_rows, n_cols) if grand_total else None,
    )


# How it works. The table is extended with its totals column and totals row, and the grand total
# in the corner: every row and every column of that grid is a line, "these members add up to that
# total". A total that is not printed is still a number (a reader knows the rows and the columns
# add up to the same grand total), only an unknown one. A reader knows a shown figure exactly, a
# "fewer than 5" one is 1 to 4, a "not shown" total is 5 or more (under 5 it would say "fewer than
# 5") and an unprinted total is 0 or more.
#
# Those lines make a network: one node per line, one edge per hidden number, joining its row and
# its column. A hidden number can be changed, keeping every shown figure right, exactly when a
# cycle of hidden numbers runs through its edge, each able to move one step within what a reader
# knows of it. So a count is pinned (can be worked out) when no such cycle exists; that is a
# search for a path in the residual network, and it is exact (the lines form a network matrix).

@dataclass(frozen=True)
class _Line:
    members: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class _Grid:
    """(n_rows + 1) × (n_cols + 1) numbers, row by row; `printed` says which a reader will see or be told are hidden."""

    n_rows: int
    n_cols: int
    values: tuple[int, ...]
    printed: tuple[bool, ...]

    @classmethod
    def build(cls, matrix: Sequence[Sequence[int]], n_rows: int, n_cols: int, row_totals: bool,
              column_totals: bool, grand_total: bool) -> _Grid:
        rows = [[*row, sum(row)] for row in matrix]
        rows.append([sum(row[c] for row in rows) for c in range(n_cols + 1)])
        printed = [[True] * n_cols + [row_totals] for _ in range(n_rows)]
        printed.append([column_totals] * n_cols + [grand_total])
        return cls(n_rows, n_cols, tuple(v for row in rows for v in row), tuple(p for row in printed for p in row))

    def at(self, r: int, c: int) -> int:
        return r * (self.n_cols + 1) + c

    def lines(self) -> list[_Line]:
        """Rows, then columns, then the lines of totals (so those come after the lines that settle their members)."""
        rows = [_Line(tuple(self.at(r, c) for c in range(self.n_cols)), self.at(r, self.n_cols))
                for r in range(self.n_rows + 1)]
        cols = [_Line(tuple(self.at(r, c) for r in range(self.n_rows)), self.at(self.n_rows, c))
                for c in range(self.n_cols + 1)]
        return rows[:-1] + cols[:-1] + [rows[-1], cols[-1]]

    def ends(self, p: int) -> tuple[int, int]:
        """The edge of number p: from the node its increase flows out of, to the node it flows into."""
        r, c = divmod(p, self.n_cols + 1)
        row_node, col_node = r, self.n_rows + 1 + c
        is_total = (r == self.n_rows) != (c == self.n_cols)  # a row or column total, not a cell or the grand total
        return (row_node, col_node) if is_total else (col_node, row_node)


def _withhold(grid: _Grid) -> list[Withheld | None]:
    """Small counts; then totals that give their own line away; then totals that give away several lines at once."""
    withheld: list[Withheld | None] = [SMALL if printed and 0 < v < THRESHOLD else None
                                       for v, printed in zip(grid.values, grid.printed, strict=True)]
    lines = grid.lines()

    def shown(p: int) -> bool:
        return grid.printed[p] and withheld[p] is None

    for line in lines:
        if shown(line.total) and _line_gives_away(line, grid, withheld):
            withheld[line.total] = SECONDARY
    while (pinned := _first_pinned_small(grid, withheld)) is not None:
        to_hide = _total_to_hide([line for line in lines if shown(line.total)], grid, withheld, pinned)
        if to_hide is None:  # not expected (with every total hidden nothing adds up); fail rather than leak
            raise NothingLeftToHide("a count under 5 can be worked out and no total is left to hide")
        withheld[to_hide] = SECONDARY
    return withheld


def _bounds(grid: _Grid, withheld: list[Withheld | None], p: int) -> tuple[float, float]:
    """What a reader knows of number p before adding anything up."""
    if not grid.printed[p]:
        return 0, math.inf
    if withheld[p] == SMALL:
        return 1, THRESHOLD - 1
    if withheld[p] == SECONDARY:
        return THRESHOLD, math.inf
    return grid.values[p], grid.values[p]


def _line_gives_away(line: _Line, grid: _Grid, withheld: list[Withheld | None]) -> bool:
    """With its total shown, would this line alone give away a hidden count, or a hidden group under 5?

    `_first_pinned_small` would find the pinned counts too, but one total at a time; this
    settles the common cases of a whole table in one pass.
    """
    hidden = [m for m in line.members if withheld[m] is not None]
    if not hidden:  # (a line's members are all printed, or none is)
        return False
    hidden_people = grid.values[line.total] - sum(grid.values[m] for m in line.members if withheld[m] is None)
    if hidden_people < THRESHOLD:
        return True
    bounds = [_bounds(grid, withheld, m) for m in hidden]
    above_least = hidden_people - sum(lo for lo, _ in bounds)
    # One hidden count is the rest of the total; several are pinned only when all sit at their least or most.
    return len(hidden) == 1 or above_least in (0, sum(hi - lo for lo, hi in bounds))


def _first_pinned_small(grid: _Grid, withheld: list[Withheld | None]) -> int | None:
    """The first count shown as "fewer than 5" that a reader could still work out exactly."""
    hidden = [p for p in range(len(grid.values)) if withheld[p] is not None or not grid.printed[p]]
    out: _Arcs = {}
    into: _Arcs = {}
    for p in hidden:
        tail, head = grid.ends(p)
        lo, hi = _bounds(grid, withheld, p)
        moves = ([(tail, head)] if grid.values[p] < hi else []) + ([(head, tail)] if grid.values[p] > lo else [])
        for a, b in moves:  # an arc for each way it can move one step
            out.setdefault(a, []).append((b, p))
            into.setdefault(b, []).append((a, p))
    for p in hidden:
        if withheld[p] == SMALL:
            tail, head = grid.ends(p)
            can_rise = grid.values[p] < THRESHOLD - 1 and _reaches(out, into, head, tail, p)
            if not can_rise and not (grid.values[p] > 1 and _reaches(out, into, tail, head, p)):
                return p
    return None


_Arcs = dict[int, list[tuple[int, int]]]  # node -> (neighbour, number whose change the arc stands for)


def _reaches(out: _Arcs, into: _Arcs, start: int, goal: int, avoiding: int) -> bool:
    """Is there a path of arcs from start to goal not using number `avoiding`? (searching from both ends)"""
    ahead, behind = {start}, {goal}
    ahead_edge: list[int] | None = [start]
    behind_edge: list[int] | None = [goal]
    while ahead_edge and behind_edge:
        if len(ahead_edge) <= len(behind_edge):
            ahead_edge = _step(out, ahead_edge, ahead, behind, avoiding)
        else:
            behind_edge = _step(into, behind_edge, behind, ahead, avoiding)
    return ahead_edge is None or behind_edge is None


def _step(arcs: _Arcs, edge: list[int], mine: set[int], theirs: set[int], avoiding: int) -> list[int] | None:
    """One breadth-first level; None when it meets the search from the other end."""
    new = []
    for node in edge:
        for nxt, p in arcs.get(node, ()):
            if p == avoiding or nxt in mine:
                continue
            if nxt in theirs:
                return None
            mine.add(nxt)
            new.append(nxt)
    return new


def _total_to_hide(shown_lines: list[_Line], grid: _Grid, withheld: list[Withheld | None],
                   pinned: int) -> int | None:
    """Prefer the shown total of the pinned count's own row or column; else the first that adds up
    numbers a reader does not know (hidden counts, or totals that are not printed)."""
    for line in shown_lines:
        if pinned in line.members:
            return line.total
    for line in shown_lines:
        if any(withheld[m] is not None or not grid.printed[m] for m in line.members):
            return line.total
    return None
