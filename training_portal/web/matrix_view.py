"""Display text for the training matrix, prepared once per request.

A page of the matrix lists up to 100 people (`dashboards.venue_query.PER_PAGE`) × every
module, shown twice (phone list and laptop table). Calling a template macro, `gettext` and
Babel's date formatting per cell cost over a second for 500 people, so the labels and
sentence patterns are translated once per request, each date is formatted once, and each
distinct cell's markup is built once (escaped with markupsafe) and reused: the template loops
over people, not cells. The states themselves come from the one rule
(`learning/status.py`, through `dashboards/venue.py`); nothing here decides a status.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from flask_babel import format_date, get_locale, get_timezone, gettext, ngettext
from markupsafe import Markup, escape

from training_portal.dashboards.venue import Cell, PersonRow
from training_portal.learning import status
from training_portal.timeutil import site_zone

SHORT_DATE = "d MMM yyyy"


def status_labels() -> dict[str, str]:
    return {status.NOT_STARTED: gettext("Not started"), status.IN_PROGRESS: gettext("In progress"),
            status.PASSED: gettext("Passed"), status.DUE_SOON: gettext("Due within 30 days"),
            status.EXPIRED: gettext("Expired"),
            status.OUTDATED: gettext("Updated – refresher needed"),
            "never_started": gettext("Never started"),
            "past_deadline": gettext("Past the new-starter deadline")}


@lru_cache(maxsize=8192)
def _short_date(day: date, _locale: str, _zone: str) -> str:
    """Babel's formatting is slow and a date's text never changes for a locale: keep it."""
    return format_date(day, SHORT_DATE)


@dataclass(frozen=True)
class CellView:
    slug: str
    title: str
    state: str
    label: str
    detail: str
    required: bool


@dataclass(frozen=True)
class MatrixRow:
    """One person in the matrix, with their cells' markup ready to print."""

    row: PersonRow
    joined: str
    joined_text: str
    last_activity: str
    table_cells: Markup  # <td>… per shown module, catalog order
    phone_cells: Markup  # <li>… one badge per status, worst first, naming its modules


@dataclass(frozen=True)
class RowView:
    row: PersonRow
    joined: str
    joined_text: str  # "joined 3 Mar 2026"
    left: str
    last_activity: str
    cells: tuple[CellView, ...]  # catalog order (the table)
    worst_first: tuple[CellView, ...]  # the phone list


class MatrixText:
    """Per-request memo of translated patterns and formatted dates."""

    def __init__(self) -> None:
        self.labels = status_labels()
        self.zone = site_zone()
        self._dates: dict[date, str] = {}
        self._plural: dict[tuple[str, int], str] = {}
        self._cells: dict[tuple[str, str], str] = {}
        self._titles: dict[tuple[str, bool], str] = {}
        self.optional = gettext("optional")
        # Patterns are translated once; %(…)s is filled per cell.
        self.passed = gettext("passed %(date)s")
        self.due = gettext("due %(date)s")
        self.expired = gettext("expired %(date)s")
        self.version = gettext("passed version %(v)s")
        self.none_yet = gettext("none yet")
        self.joined = gettext("joined %(date)s")

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        day = value.astimezone(self.zone).date() if isinstance(value, datetime) else value
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = _short_date(day, str(get_locale()), str(get_timezone()))
        return text

    def count(self, kind: str, n: int, make: Callable[[int], str]) -> str:
        key = (kind, n)
        text = self._plural.get(key)
        if text is None:
            text = self._plural[key] = make(n)
        return text

    def detail(self, cell: Cell) -> str:
        state, until = cell.state, cell.standing.valid_until
        if state == status.PASSED and cell.last_pass:
            return self.passed % {"date": self.day(cell.last_pass.passed_at)}
        if state == status.DUE_SOON:
            return self.due % {"date": self.day(until)}
        if state == status.EXPIRED:
            return self.expired % {"date": self.day(until)}
        if state == status.OUTDATED and cell.last_pass:
            return self.version % {"v": cell.last_pass.version}
        if state == status.IN_PROGRESS:
            return self._progress(cell)
        return ""

    def _progress(self, cell: Cell) -> str:
        parts = []
        if cell.pages_read:
            parts.append(self.count("pages", cell.pages_read, lambda n: ngettext(
                "%(num)d page read", "%(num)d pages read", n)))
        if cell.attempts:
            tries = self.count("tries", cell.attempts, lambda n: ngettext(
                "%(num)d quiz attempt", "%(num)d quiz attempts", n))
            if cell.failed_attempts:
                tries += " " + self.count("failed", cell.failed_attempts, lambda n: ngettext(
                    "(%(num)d failed)", "(%(num)d failed)", n))
            parts.append(tries)
        return ", ".join(parts)

    def cell(self, cell: Cell) -> CellView:
        return CellView(cell.module.slug, cell.module.title, cell.state, self.labels[cell.state],
                        self.detail(cell), cell.required)

    def row(self, row: PersonRow, module_slug: str | None = None) -> RowView:
        cells = tuple(self.cell(c) for c in row.cells
                      if module_slug is None or c.module.slug == module_slug)
        worst = tuple(sorted(cells, key=lambda c: status.SEVERITY[c.state]))
        joined = self.day(row.joined_at)
        return RowView(row, joined, self.joined % {"date": joined}, self.day(row.left_at),
                       self.day(row.last_activity) or self.none_yet, cells, worst)


    def matrix_row(self, row: PersonRow, module_slug: str | None = None) -> MatrixRow:
        cells = [c for c in row.cells if module_slug is None or c.module.slug == module_slug]
        joined = self.day(row.joined_at)
        return MatrixRow(row, joined, self.joined % {"date": joined},
                         self.day(row.last_activity) or self.none_yet,
                         Markup("".join([self._td(c) for c in cells])),  # noqa: S704 - pieces escaped
                         self._by_state(cells))

    # The pieces below are plain strings already escaped once (joining Markup re-checks every
    # piece); each result is wrapped in Markup a single time.

    def _td(self, cell: Cell) -> str:
        detail = self.detail(cell)
        html = self._cells.get((cell.state, detail))
        if html is None:
            extra = f" <small>{escape(detail)}</small>" if detail else ""
            html = self._cells[(cell.state, detail)] = (
                f'<td><span class="badge badge-{cell.state}">{escape(self.labels[cell.state])}</span>'
                f"{extra}</td>")
        return html

    def _by_state(self, cells: Sequence[Cell]) -> Markup:
        groups: dict[str, list[str]] = {}
        for cell in sorted(cells, key=_severity):
            groups.setdefault(cell.state, []).append(self._title(cell))
        return Markup("".join([  # noqa: S704 - labels and titles escaped above
            f'<li><span class="badge badge-{state}">{escape(self.labels[state])}</span> '
            f'{", ".join(titles)}</li>' for state, titles in groups.items()]))

    def _title(self, cell: Cell) -> str:
        key = (cell.module.slug, cell.required)
        html = self._titles.get(key)
        if html is None:
            title = str(escape(cell.module.title))
            html = self._titles[key] = title if cell.required else \
                f'{title} <span class="tag">{escape(self.optional)}</span>'
        return html


def _severity(cell: Cell) -> int:
    return status.SEVERITY[cell.state]


def matrix_rows(rows: Sequence[PersonRow], module_slug: str | None, text: MatrixText) -> list[MatrixRow]:
    return [text.matrix_row(r, module_slug) for r in rows]


def row_views(rows: Sequence[PersonRow], module_slug: str | None = None,
              text: MatrixText | None = None) -> list[RowView]:
    text = text or MatrixText()
    return [text.row(r, module_slug) for r in rows]
