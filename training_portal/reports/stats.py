"""Small pure helpers for the figures: medians, first-attempt pass rates, weeks. No Flask, no database."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from training_portal.reports.suppression import Figure, share


def median(values: Iterable[float]) -> float | None:
    """The middle value (mean of the two middle ones for an even count); None when there is nothing."""
    ordered = sorted(values)
    return float(statistics.median(ordered)) if ordered else None


Attempt = tuple[int, str, datetime, bool]
"""(user_id, module_slug, started_at, passed): one quiz attempt, as a query returns it."""


@dataclass(frozen=True)
class FirstAttempts:
    """How people did on their first attempt at a module; person × module pairs, and the people behind them."""

    passed: int
    attempted: int
    people: int

    def rate(self) -> Figure:
        """The share passed at the first try, withheld when fewer than 5 people are behind it."""
        return share(self.passed, self.attempted, people=self.people)


def pass_rate_first_attempt(attempts: Iterable[Attempt], module_slug: str | None = None) -> FirstAttempts:
    """Only each person's earliest attempt at each module counts: later tries measure persistence, not the module.

    `module_slug` None takes every module (one pair per person and module).
    """
    first: dict[tuple[int, str], Attempt] = {}
    for attempt in attempts:
        user_id, slug, started_at, _ = attempt
        if module_slug is not None and slug != module_slug:
            continue
        key = (user_id, slug)
        if key not in first or started_at < first[key][2]:
            first[key] = attempt
    return FirstAttempts(passed=sum(1 for a in first.values() if a[3]), attempted=len(first),
                         people=len({user_id for user_id, _ in first}))


def week_start(d: date) -> date:
    """The Monday of d's week (weeks run Monday to Sunday, as in the UK)."""
    return d - timedelta(days=d.weekday())


def last_n_weeks(today: date, n: int = 26) -> list[date]:
    """The Mondays of the last n weeks, oldest first, ending with this (unfinished) week."""
    if n < 0:
        raise ValueError("a number of weeks is never negative")
    this_week = week_start(today)
    return [this_week - timedelta(weeks=i) for i in range(n - 1, -1, -1)]


def count_by_week(days: Iterable[date], weeks: Sequence[date]) -> list[tuple[date, int]]:
    """How many of `days` fall in each week of `weeks` (Mondays, as from last_n_weeks); other days are left out."""
    counts = dict.fromkeys(weeks, 0)
    for day in days:
        monday = week_start(day)
        if monday in counts:
            counts[monday] += 1
    return [(monday, counts[monday]) for monday in weeks]
