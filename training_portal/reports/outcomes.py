"""Confidence before and after a module: distributions and paired change. No Flask, no database.

The portal asks "how confident are you…" (1 to 5, or skipped) before a module (once per
module version) and after passing it (once per passing attempt). So one person can have
several answers at a stage for the same module. To count each person once per module, every
figure here uses, for each person and module, their earliest "before" answer (how they
started) and their latest "after" answer (where they ended up). A skip is not an answer: it
is counted apart, and only when that person never answered at that stage.

Every result carries the people it is built on, so `suppression` can be applied; the
`figures`/`shares` methods do that.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def distribution(rows: Iterable[RatingRow], stage: str, module_slug: str | None = None) -> Distribution:
    """Answers at one stage, for one module or (None) all modules."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    return _distribution(_Chosen.of(rows, module_slug), stage)


def paired_change(rows: Iterable[RatingRow], module_slug: str | None = None) -> Change:
    """Only people who answered both before and after (the after later than the before) are compared."""
    return _change(_Chosen.of(rows, module_slug))


def outcome(rows: Iterable[RatingRow], module_slug: str | None = None) -> Outcome:
    """Before, after and change for one module, or (None) all modules together (person × module pairs)."""
    chosen = _Chosen.of(rows, module_slug)
    return Outcome(_distribution(chosen, BEFORE), _distribution(chosen, AFTER), _change(chosen))


def outcomes_by_module(rows: Iterable[RatingRow]) -> dict[str, Outcome]:
    """One Outcome per module that has any rating, by slug in alphabetical order."""
    by_slug: dict[str, list[RatingRow]] = {}
    for row in rows:
        by_slug.setdefault(row.module_slug, []).append(row)
    return {slug: outcome(by_slug[slug]) for slug in sorted(by_slug)}


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


def _distribution(chosen: _Chosen, stage: str) -> Distribution:
    answers = chosen.answers[stage]
    counts = [0] * len(LEVELS)
    for answer in answers.values():
        counts[LEVELS.index(answer.rating)] += 1
    return Distribution(stage=stage, counts=(counts[0], counts[1], counts[2], counts[3], counts[4]),
                        skipped=len(chosen.asked[stage] - answers.keys()),
                        people=len({user_id for user_id, _ in answers}))


def _change(chosen: _Chosen) -> Change:
    changes: dict[Key, int] = {}
    for key, before in chosen.answers[BEFORE].items():
        after = chosen.answers[AFTER].get(key)
        if after is not None and after.created_at > before.created_at:
            changes[key] = after.rating - before.rating
    return Change(pairs=len(changes), people=len({user_id for user_id, _ in changes}),
                  improved=sum(1 for d in changes.values() if d > 0),
                  same=sum(1 for d in changes.values() if d == 0),
                  worse=sum(1 for d in changes.values() if d < 0),
                  total_change=sum(changes.values()))
