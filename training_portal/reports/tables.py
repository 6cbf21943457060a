"""The partnership's tables, with the small-number rule applied: the same cells for HTML, CSV and PDF.

Every count or share here is a `suppression.Figure` (or a label), so no page or export can
print a raw number of people by mistake. Labels are venue names, areas, modules and dates:
never a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from training_portal.reports import outcomes as oc
from training_portal.reports.programme import ProgrammeFigures, VenueCoverage
from training_portal.reports.stats import FirstAttempts
from training_portal.reports.suppression import (
    Figure,
    count,
    group_total_gives_away,
    share,
    statistic,
    suppress_rows,
    withheld_total,
)

Cell = str | Figure

BELOW, MET, SMALL_VENUE = "below", "met", "small"
LEVEL_NAMES = ("1 (not at all)", "2", "3", "4", "5 (very)")


@dataclass(frozen=True)
class ReportTable:
    key: str  # the `table=` of the CSV export
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def text_rows(self) -> list[list[str]]:
        return [[cell if isinstance(cell, str) else cell.text() for cell in row] for row in self.rows]


@dataclass(frozen=True)
class CoverageRow:
    venue: VenueCoverage
    staff: Figure
    coverage: Figure
    past_deadline: Figure
    standing: str  # BELOW, MET or SMALL_VENUE (too few staff to say)


@dataclass(frozen=True)
class Headline:
    venues: Figure
    people: Figure
    people_in_date: Figure
    share_in_date: Figure
    venues_below: Figure


def headline(figures: ProgrammeFigures, rows: Sequence[CoverageRow]) -> Headline:
    """The programme's totals. They are the venues' figures added up, so they are withheld when,
    with the venue and area tables, they would give a small venue away: the venues whose figures
    are not otherwise added up in print (no area, or their area's figures withheld) are checked."""
    venues, people, in_date = count(len(figures.venues)), figures.people, figures.people_in_date
    below = count(sum(1 for r in rows if r.standing == BELOW))
    withheld_areas = {area for area in figures.area_people if _area_gives_away(figures, area)}
    if _gives_away([v for v in figures.venues if v.area is None or v.area in withheld_areas]):
        return Headline(venues, withheld_total(people), withheld_total(in_date),
                        withheld_total(people, percent=True), below)
    return Headline(venues, count(people), count(in_date), share(in_date, people), below)


def _gives_away(venues: Sequence[VenueCoverage]) -> bool:
    return group_total_gives_away([v.staff for v in venues], [v.in_date for v in venues])


def _area_gives_away(figures: ProgrammeFigures, area: str) -> bool:
    """Would this area's figures, beside its venues' own, give a small venue away?"""
    return _gives_away([v for v in figures.venues if v.area == area])


def coverage_rows(figures: ProgrammeFigures, target: int) -> list[CoverageRow]:
    """Venues below target first (lowest first), then those at or above it, then venues too small to show."""
    rows = []
    for venue in figures.venues:
        cover = share(venue.in_date, venue.staff)
        standing = SMALL_VENUE if cover.suppressed else BELOW if (cover.value or 0) < target else MET
        rows.append(CoverageRow(venue, count(venue.staff), cover, count(venue.past_deadline), standing))
    order = {BELOW: 0, MET: 1, SMALL_VENUE: 2}
    return sorted(rows, key=lambda r: (order[r.standing], r.coverage.value if r.standing == BELOW else 0,
                                       r.venue.name.casefold(), r.venue.venue_id))


def coverage_table(rows: Sequence[CoverageRow]) -> ReportTable:
    labels = {BELOW: "below target", MET: "at or above target", SMALL_VENUE: "fewer than 5 staff"}
    return ReportTable("coverage", "Coverage per venue: current staff in date on every required module",
                       ("Venue", "Area", "Current staff", "In date", "Against target"),
                       tuple((r.venue.name, r.venue.area or "", r.staff, r.coverage, labels[r.standing])
                             for r in rows))


def deadline_table(rows: Sequence[CoverageRow]) -> ReportTable:
    return ReportTable("deadlines", "New starters past their venue's deadline",
                       ("Venue", "Area", "Past the deadline"),
                       tuple((r.venue.name, r.venue.area or "", r.past_deadline)
                             for r in sorted(rows, key=lambda r: (-r.venue.past_deadline, r.venue.name.casefold()))
                             if r.venue.past_deadline))


def weekly_table(figures: ProgrammeFigures) -> ReportTable:
    """Weeks × modules with a total per week; totals that would give a small count away are withheld."""
    slugs = [m.slug for m in figures.modules]
    weeks = figures.filters.weeks()
    matrix = [[figures.weekly[s][i][1] for s in slugs] for i in range(len(weeks))]
    table = suppress_rows(matrix) if slugs and weeks else None
    rows = tuple((monday.isoformat(), *(table.cells[i] if table else ()),
                  *((table.row_totals[i],) if table and table.row_totals else ()))
                 for i, monday in enumerate(weeks))
    return ReportTable("weekly", "Completions per module per week (week beginning)",
                       ("Week beginning", *(m.title for m in figures.modules), "All modules"), rows)


def weekly_series(table: ReportTable, column: int) -> list[tuple[date, Cell]]:
    return [(date.fromisoformat(str(row[0])), row[column]) for row in table.rows]


def first_attempt_table(figures: ProgrammeFigures) -> ReportTable:
    rows: list[tuple[Cell, ...]] = []
    for module in figures.modules:
        first = figures.first_attempts[module.slug]
        rows.append((module.title, count(first.people), first.rate()))
    every = [figures.first_attempts[m.slug] for m in figures.modules]
    people = sum(f.people for f in every)  # person × module pairs; each person once per module
    overall = FirstAttempts(sum(f.passed for f in every), sum(f.attempted for f in every), people)
    if group_total_gives_away([f.attempted for f in every], [f.passed for f in every]):
        # The total less the modules shown would be a hidden module's figures.
        rows.append(("All modules (person × module)", withheld_total(overall.attempted),
                     withheld_total(people, percent=True)))
    else:
        rows.append(("All modules (person × module)", count(overall.attempted), overall.rate()))
    return ReportTable("first_attempt", "Pass rate at the first attempt",
                       ("Module", "First attempts", "Passed first time"), tuple(rows))


def attempts_table(figures: ProgrammeFigures) -> ReportTable:
    rows = tuple((m.title, count(len(figures.attempts_to_pass[m.slug])),
                  statistic(figures.median_attempts(m.slug), len(figures.attempts_to_pass[m.slug])))
                 for m in figures.modules)
    return ReportTable("attempts", "Median attempts to pass (people whose first pass fell in the period)",
                       ("Module", "People who passed", "Median attempts"), rows)


def area_table(figures: ProgrammeFigures) -> ReportTable:
    venues_per_area: dict[str, int] = {}
    for venue in figures.venues:
        if venue.area is not None:
            venues_per_area[venue.area] = venues_per_area.get(venue.area, 0) + 1
    rows = tuple((area, count(venues_per_area.get(area, 0)),
                  *((withheld_total(people), withheld_total(people, percent=True))
                    if _area_gives_away(figures, area) else (count(people), share(in_date, people))))
                 for area, (people, in_date) in figures.area_people.items())
    return ReportTable("areas", "Coverage per area (a person at two venues in an area counts once)",
                       ("Area", "Venues", "Current staff", "In date on every required module"), rows)


@dataclass(frozen=True)
class OverallWithheld:
    """Which "All modules" outcome rows would give a module with fewer than 5 answers away."""

    before: bool
    after: bool
    change: bool


def overall_outcome_withheld(by_module: dict[str, oc.Outcome]) -> OverallWithheld:
    """All modules is the modules added up: less the modules shown, it would be the hidden ones'
    answers (at each level) or pairs (up, same, down), so it is withheld when that gives one away."""
    results = list(by_module.values())

    def gives_away(bases: list[int], parts_by_kind: list[list[int]]) -> bool:
        return any(group_total_gives_away(bases, parts) for parts in parts_by_kind)

    def distribution(stage: str) -> bool:
        dists = [r.before if stage == oc.BEFORE else r.after for r in results]
        return gives_away([d.answers for d in dists],
                          [[d.counts[k] for d in dists] for k in range(len(oc.LEVELS))])

    changes = [r.change for r in results]
    return OverallWithheld(distribution(oc.BEFORE), distribution(oc.AFTER), gives_away(
        [c.pairs for c in changes], [[c.improved for c in changes], [c.same for c in changes],
                                     [c.worse for c in changes]]))


def outcome_table(by_module: dict[str, oc.Outcome], overall: oc.Outcome,
                  titles: dict[str, str]) -> ReportTable:
    """Share at each confidence level before and after, and the paired change, with the answers behind each."""
    rows: list[tuple[Cell, ...]] = []
    for label, result in ((titles.get(s, s), o) for s, o in by_module.items()):
        rows.extend(_outcome_rows(label, result, OverallWithheld(False, False, False)))
    rows.extend(_outcome_rows("All modules", overall, overall_outcome_withheld(by_module)))
    return ReportTable("outcomes", "Confidence before and after (1 = not at all confident, 5 = very)",
                       ("Module", "Stage", "Answers", *(f"Level {n}" for n in LEVEL_NAMES),
                        "Went up", "Stayed the same", "Went down", "Mean change (points)"), tuple(rows))


def _outcome_rows(label: str, result: oc.Outcome, withheld: OverallWithheld) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for dist, hide in ((result.before, withheld.before), (result.after, withheld.after)):
        if hide:
            rows.append((label, dist.stage, withheld_total(dist.answers),
                         *(withheld_total(dist.people, percent=True) for _ in dist.counts), "", "", "", ""))
        else:
            rows.append((label, dist.stage, count(dist.answers), *dist.shares(), "", "", "", ""))
    change = result.change
    if withheld.change:
        hidden = withheld_total(change.people, percent=True)
        rows.append((label, "paired change", withheld_total(change.pairs), "", "", "", "", "",
                     hidden, hidden, hidden, withheld_total(change.people)))
    else:
        rows.append((label, "paired change", count(change.pairs), "", "", "", "", "",
                     *change.shares(), _mean_text(change.mean_figure())))
    return rows


def _mean_text(figure: Figure) -> Cell:
    """Two decimals; a true minus sign, so a spreadsheet reads text, not a formula."""
    if figure.suppressed:
        return figure
    return f"{figure.value or 0:+.2f}".replace("-", "\u2212").removeprefix("+")
