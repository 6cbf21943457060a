"""Confidence before and after a module: distributions and paired change. No Flask, no database.

The portal asks "how confident are you…" (1 to 5, or skipped) before a module (once per
module version) and after passing it (once per passing attempt). So one person can have
several answers at a stage for the same module. To count each person once per module, every
figure here uses, for each person and module, their earliest "before" answer (how they
started) and their latest "after" answer (where they ended up). A skip is not an answer: it
is counted apart, and only when that person never answered at that stage.

Picking those answers is `pick()` (the reference, over stored ratings; the overview selects the
same per person × module in SQL: `reports.programme.picked_ratings`); every figure is then
built from `Picked` rows. Every result carries the people it is built on, so `suppression` can
be applied; the `figures`/`shares` methods do that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from training_portal.reports.suppression import Figure, share, statistic

BEFORE, AFTER = "before", "after"  # as stored by modules/confidence.py
STAGES = (BEFORE, AFTER)
LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class RatingRow:
    """One stored rating, as a query returns it; rating None is a skip."""

    user_id: int
    module_slug: str
    stage: str
    rating: int | None
    created_at: datetime

    def __post_init__(self) -> None:
        if self.stage not in STAGES or (self.rating is not None and self.rating not in LEVELS):
            raise ValueError(f"unknown stage {self.stage!r} or rating {self.rating!r}")


@dataclass(frozen=True)
class Distribution:
    """How many answered at each level 1–5 at one stage (one answer per person and module)."""

    stage: str
    counts: tuple[int, int, int, int, int]
    skipped: int  # person × module pairs asked at this stage who only ever skipped
    people: int  # distinct people behind the answers

    @property
    def answers(self) -> int:
        return sum(self.counts)

    def shares(self) -> tuple[Figure, ...]:
        """The share at each level, withheld when fewer than 5 people answered."""
        return tuple(share(n, self.answers, people=self.people) for n in self.counts)


@dataclass(frozen=True)
class Change:
    """Before → after for the people who answered both, one pair per person and module."""

    pairs: int
    people: int
    improved: int
    same: int
    worse: int
    total_change: int  # the sum of (after − before) over the pairs

    @property
    def mean_change(self) -> float | None:
        """Average points gained on the 1–5 scale; None without pairs."""
        return self.total_change / self.pairs if self.pairs else None

    def mean_figure(self) -> Figure:
        return statistic(self.mean_change, self.people)

    def shares(self) -> tuple[Figure, Figure, Figure]:
        """Shares that went up, stayed, went down; withheld when fewer than 5 people are paired."""
        return (share(self.improved, self.pairs, people=self.people),
                share(self.same, self.pairs, people=self.people),
                share(self.worse, self.pairs, people=self.people))


@dataclass(frozen=True)
class Outcome:
    before: Distribution
    after: Distribution
    change: Change


class Picked(NamedTuple):
    """One person × module with the answers that count already picked; what the figures are built from.

    `pick()` makes these from stored ratings; `reports.programme.picked_ratings` selects the
    same in SQL (a test checks they agree), so a page never carries every rating into Python.
    """

    user_id: int
    module_slug: str
    before: int | None  # the earliest "before" answer; None: only skipped, or never asked
    asked_before: bool
    after: int | None  # the latest "after" answer
    asked_after: bool
    after_is_later: bool  # both answered, and the after answer came later (so they pair)


def pick(rows: Iterable[RatingRow], module_slug: str | None = None) -> list[Picked]:
    """For each person and module: the answers that count, and whether each stage was asked."""
    chosen = _Chosen.of(rows, module_slug)
    before, after = chosen.answers[BEFORE], chosen.answers[AFTER]
    picked = []
    for key in sorted(chosen.asked[BEFORE] | chosen.asked[AFTER]):
        b, a = before.get(key), after.get(key)
        picked.append(Picked(key[0], key[1], b.rating if b else None, key in chosen.asked[BEFORE],
                             a.rating if a else None, key in chosen.asked[AFTER],
                             bool(a and b and a.created_at > b.created_at)))
    return picked


def distribution(rows: Iterable[RatingRow], stage: str, module_slug: str | None = None) -> Distribution:
    """Answers at one stage, for one module or (None) all modules."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    return _distribution(pick(rows, module_slug), stage)


def paired_change(rows: Iterable[RatingRow], module_slug: str | None = None) -> Change:
    """Only people who answered both before and after (the after later than the before) are compared."""
    return _change(pick(rows, module_slug))


def outcome(rows: Iterable[RatingRow], module_slug: str | None = None) -> Outcome:
    """Before, after and change for one module, or (None) all modules together (person × module pairs)."""
    return outcome_of(pick(rows, module_slug))


def outcomes_by_module(rows: Iterable[RatingRow]) -> dict[str, Outcome]:
    """One Outcome per module that has any rating, by slug in alphabetical order."""
    return outcomes_of(pick(rows))[0]


def outcome_of(picked: Sequence[Picked]) -> Outcome:
    """Before, after and change over these person × module answers."""
    return Outcome(_distribution(picked, BEFORE), _distribution(picked, AFTER), _change(picked))


def outcomes_of(picked: Iterable[Picked]) -> tuple[dict[str, Outcome], Outcome]:
    """Per module (slug order, modules with any rating) and for all modules together."""
    every = list(picked)
    by_slug: dict[str, list[Picked]] = {}
    for row in every:
        by_slug.setdefault(row.module_slug, []).append(row)
    return {slug: outcome_of(by_slug[slug]) for slug in sorted(by_slug)}, outcome_of(every)


Key = tuple[int, str]  # (user_id, module_slug)


class _Answer(NamedTuple):
    created_at: datetime
    rating: int


@dataclass(frozen=True)
class _Chosen:
    """For each person and module: the answer that counts at each stage, and who was asked."""

    answers: dict[str, dict[Key, _Answer]]
    asked: dict[str, set[Key]]

    @classmethod
    def of(cls, rows: Iterable[RatingRow], module_slug: str | None) -> _Chosen:
        answers: dict[str, dict[Key, _Answer]] = {BEFORE: {}, AFTER: {}}
        asked: dict[str, set[Key]] = {BEFORE: set(), AFTER: set()}
        for row in rows:
            if module_slug is not None and row.module_slug != module_slug:
                continue
            key = (row.user_id, row.module_slug)
            asked[row.stage].add(key)
            if row.rating is None:
                continue
            kept = answers[row.stage].get(key)
            if kept is None or (row.created_at < kept.created_at if row.stage == BEFORE
                                else row.created_at > kept.created_at):
                answers[row.stage][key] = _Answer(row.created_at, row.rating)
        return cls(answers, asked)


def _distribution(picked: Sequence[Picked], stage: str) -> Distribution:
    counts = [0] * len(LEVELS)
    skipped = 0
    people = set()
    before = stage == BEFORE
    for row in picked:
        rating, asked = (row.before, row.asked_before) if before else (row.after, row.asked_after)
        if rating is None:
            skipped += asked
            continue
        counts[rating - 1] += 1  # LEVELS are 1–5
        people.add(row.user_id)
    return Distribution(stage=stage, counts=(counts[0], counts[1], counts[2], counts[3], counts[4]),
                        skipped=skipped, people=len(people))


def _change(picked: Sequence[Picked]) -> Change:
    changes = [(row.user_id, row.after - row.before) for row in picked
               if row.after_is_later and row.before is not None and row.after is not None]
    return Change(pairs=len(changes), people=len({user_id for user_id, _ in changes}),
                  improved=sum(1 for _, d in changes if d > 0),
                  same=sum(1 for _, d in changes if d == 0),
                  worse=sum(1 for _, d in changes if d < 0),
                  total_change=sum(d for _, d in changes))
