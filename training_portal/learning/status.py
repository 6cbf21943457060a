"""The one rule for where a person stands with a module: "in date" is decided here only.

My training, the venue matrix, a person's page, exports, reminders and the inspection
register all call `standing()`; nothing else re-derives a status, in templates or in SQL.

Inputs are plain values, so the rule is tested without a database:

- the person's latest pass of the module (`PassFacts`), if any, and whether they have
  started it (a page read or an attempt);
- the refresher rules that apply (`Refresher`): a venue may renew training more often than
  the module's own period. The strictest rule wins, and the result names the venue that set
  the date, so My training can say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from training_portal.timeutil import add_months

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
PASSED = "passed"
DUE_SOON = "due_soon"
EXPIRED = "expired"
OUTDATED = "outdated"  # passed an older major version: the refresher is needed
STATES = (NOT_STARTED, IN_PROGRESS, PASSED, DUE_SOON, EXPIRED, OUTDATED)
IN_DATE = frozenset({PASSED, DUE_SOON})
#: Worst first: the order a manager's list of people and badges is sorted in.
SEVERITY = {EXPIRED: 0, OUTDATED: 1, NOT_STARTED: 2, IN_PROGRESS: 3, DUE_SOON: 4, PASSED: 5}

#: A refresher counts as "due soon" this many days before the pass stops being in date.
DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class PassFacts:
    """What the rule needs to know about a pass (a `Completion` row, or a summary of one)."""

    version: str  # "MAJOR.MINOR" of the module when passed
    passed_on: date  # in the site's time zone
    expires_on: date  # the module's own period, fixed when the pass was recorded
    revoked: bool = False  # its certificate was revoked: the pass counts for nothing

    @property
    def major_version(self) -> int:
        return int(self.version.split(".")[0])


@dataclass(frozen=True)
class Refresher:
    """A venue's rule: training is renewed every `months` months (`source` names the venue)."""

    months: int
    source: str


@dataclass(frozen=True)
class Standing:
    state: str
    valid_until: date | None  # the strictest date the pass is in date until
    set_by: str | None = None  # the venue whose rule set `valid_until`; None: the module's own

    @property
    def in_date(self) -> bool:
        return self.state in IN_DATE


def valid_until(last_pass: PassFacts, refreshers: Iterable[Refresher] = ()) -> tuple[date, str | None]:
    """The earliest of the module's own expiry and each venue's refresher period."""
    best, source = last_pass.expires_on, None
    for rule in refreshers:
        candidate = add_months(last_pass.passed_on, rule.months)
        if candidate < best:
            best, source = candidate, rule.source
    return best, source


def standing(module_major_version: int, last_pass: PassFacts | None, started: bool, today: date,
             refreshers: Sequence[Refresher] = ()) -> Standing:
    """Where a person stands today. A pass is in date up to and including its last day; a
    revoked pass counts as no pass (the person has started, so they are in progress)."""
    if last_pass is None or last_pass.revoked:
        return Standing(IN_PROGRESS if started or last_pass else NOT_STARTED, None)
    until, source = valid_until(last_pass, refreshers)
    if until < today:
        return Standing(EXPIRED, until, source)
    if last_pass.major_version < module_major_version:
        return Standing(OUTDATED, until, source)
    if until <= today + timedelta(days=DUE_SOON_DAYS):
        return Standing(DUE_SOON, until, source)
    return Standing(PASSED, until, source)


def starter_deadline(joined_on: date, deadline_days: int | None) -> date | None:
    """The last day a new starter has to be in date on every required module."""
    return None if deadline_days is None else joined_on + timedelta(days=deadline_days)


def past_starter_deadline(joined_on: date, deadline_days: int | None, fully_in_date: bool,
                          today: date) -> bool:
    deadline = starter_deadline(joined_on, deadline_days)
    return deadline is not None and today > deadline and not fully_in_date
