"""The board report's content: the overview, outcomes and coverage per area, from the suppressed tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from training_portal.certificates.pdf import long_date
from training_portal.reports.report_pdf import Bar, Chart, PdfTable, ReportData, Section
from training_portal.reports.suppression import Figure
from training_portal.reports.tables import BELOW, Cell, CoverageRow, Headline, ReportTable

MOST_VENUES = 30
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def report_data(built: dict[str, Any], outcomes: ReportTable, target: int, notes: Sequence[str]) -> ReportData:
    """`built` is what the overview page shows (see web/partnership.py `_tables`)."""
    figures = built["figures"]
    f = figures.filters
    sections = (
        _overview(built["headline"], target, notes),
        Section("Coverage per area", charts=_area_chart(built["areas_table"], target),
                tables=(_pdf(built["areas_table"]),)),
        _below_target(built["coverage_rows"], target),
        Section("Completions per week", charts=_weekly_charts(built["weekly_table"]),
                tables=(_pdf(built["weekly_table"]),)),
        Section("Passing", charts=(Chart("Pass rate at the first attempt", tuple(
            _bar(str(row[0]), row[2]) for row in built["first_table"].rows)),),
            tables=(_pdf(built["first_table"]), _pdf(built["attempts_table"]))),
        Section("New starters past their venue's deadline", tables=(_pdf(built["deadline_table"]),)),
        _outcomes(outcomes),
    )
    return ReportData(f"{long_date(f.date_from)} to {long_date(f.date_to)}", f.area or "Every area",
                      figures.today, sections)


def _overview(headline: Headline, target: int, notes: Sequence[str]) -> Section:
    return Section("At a glance", paragraphs=(
        f"Venues signed up: {headline.venues.text()}.",
        f"Staff (current, each person once): {headline.people.text()}.",
        f"Staff in date on every required module: {headline.people_in_date.text()} "
        f"({headline.share_in_date.text()}). Coverage is as of the report's date.",
        f"Coverage target: {target}% of a venue's current staff. Venues below it: {headline.venues_below.text()}.",
        *notes))


def _area_chart(table: ReportTable, target: int) -> tuple[Chart, ...]:
    if not table.rows:
        return ()
    return (Chart("Coverage per area", tuple(_bar(str(row[0]), row[3]) for row in table.rows), target=target),)


def _below_target(rows: Sequence[CoverageRow], target: int) -> Section:
    below = [r for r in rows if r.standing == BELOW]
    shown = below[:MOST_VENUES]
    table = PdfTable(f"Venues below the {target}% target, lowest first"
                     + (f" (the {MOST_VENUES} lowest of {len(below)}; the CSV export lists every venue)"
                        if len(below) > MOST_VENUES else ""),
                     ("Venue", "Area", "Current staff", "In date"),
                     tuple((r.venue.name, r.venue.area or "", r.staff.text(), r.coverage.text()) for r in shown))
    return Section("Venues below target", tables=(table,))


def _weekly_charts(table: ReportTable) -> tuple[Chart, ...]:
    return tuple(Chart(f"Completions per week: {title}",
                       tuple(_bar(_short(date.fromisoformat(str(row[0]))), row[column]) for row in table.rows),
                       columns=True)
                 for column, title in enumerate(table.header[1:-1], start=1))


def _outcomes(table: ReportTable) -> Section:
    """The outcome table is wide: distributions and paired change print as two tables."""
    rows = table.text_rows()
    dist = PdfTable("Share of answers at each confidence level", table.header[:8],
                    tuple(tuple(r[:8]) for r in rows if r[1] != "paired change"))
    change = PdfTable("Change for people who answered both before and after",
                      ("Module", "Pairs", *table.header[8:]),
                      tuple((r[0], r[2], *r[8:]) for r in rows if r[1] == "paired change"))
    return Section("Confidence before and after", paragraphs=(
        "Staff rate their confidence before a module and after passing it (1 = not at all, 5 = very). "
        "Each person counts once per module: their first answer before and last answer after.",), tables=(dist, change))


def _bar(label: str, cell: Cell) -> Bar:
    if isinstance(cell, Figure):
        return Bar(label, None if cell.suppressed else float(cell.value or 0), cell.text())
    return Bar(label, None, cell or "no data")


def _pdf(table: ReportTable) -> PdfTable:
    return PdfTable(table.caption, table.header, tuple(tuple(r) for r in table.text_rows()))


def _short(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"
