"""The partnership's charts as inline SVG, drawn from the same suppressed tables the page prints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup

from training_portal.reports import charts
from training_portal.reports import outcomes as oc
from training_portal.reports.suppression import Figure
from training_portal.reports.tables import CoverageRow, ReportTable

MOST_BARS = 12


def area_chart(table: ReportTable, target: int) -> Markup | None:
    if not table.rows:
        return None
    bars = [(str(row[0]), _figure(row[3])) for row in table.rows]
    return charts.bar_chart("Coverage per area", "Share of current staff in date on every required module, "
                            "per area, against the programme's target.", bars, target=target)


def below_target_chart(rows: Sequence[CoverageRow], target: int) -> Markup | None:
    """The venues furthest below target (at most 12): where the partnership's help is needed."""
    below = [r for r in rows if r.standing == "below"][:MOST_BARS]
    if not below:
        return None
    return charts.bar_chart("Venues furthest below target",
                            f"Share of current staff in date at the {len(below)} venues furthest below target.",
                            [(r.venue.name, r.coverage) for r in below], target=target)


def weekly_charts(table: ReportTable) -> list[tuple[str, Markup]]:
    """One column chart per module (the table's middle columns)."""
    out = []
    for column, title in enumerate(table.header[1:-1], start=1):
        series: list[tuple[date, int | Figure | None]] = [
            (date.fromisoformat(str(row[0])), _figure(row[column])) for row in table.rows]
        out.append((title, charts.weekly_columns(f"Completions per week: {title}",
                                                 f"Passes of {title} recorded each week.", series)))
    return out


def first_attempt_chart(table: ReportTable) -> Markup:
    return charts.bar_chart("Pass rate at the first attempt", "Share of people who passed each module at their "
                            "first attempt.", [(str(row[0]), _figure(row[2])) for row in table.rows])


def outcome_chart(label: str, result: oc.Outcome, withheld: tuple[bool, bool] = (False, False)) -> Markup:
    """`withheld`: the before and after bars are "not shown" (`tables.overall_outcome_withheld`)."""
    return charts.before_after(f"Confidence before and after: {label}",
                               "Share of answers at each confidence level, 1 (not at all) to 5 (very).",
                               result.before.counts, result.after.counts,
                               people=(result.before.people, result.after.people), withheld=withheld)


def _figure(cell: str | Figure) -> Figure | None:
    return cell if isinstance(cell, Figure) else None
