"""Input for the partnership pages: the target and area forms, and the filters read from the address."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from training_portal.forms import no_control_characters, strip
from training_portal.reports.programme import Filters
from training_portal.reports.stats import last_n_weeks

EARLIEST = date(2000, 1, 1)
LONGEST_DAYS = 3 * 366  # a weekly table of at most ~157 rows
DEFAULT_WEEKS = 26


class TargetForm(FlaskForm):
    target = IntegerField(_l("Coverage target (percent of a venue's current staff)"), validators=[
        InputRequired(_l("Enter a whole number from 1 to 100.")),
        NumberRange(min=1, max=100, message=_l("Enter a whole number from 1 to 100."))])


class AreaForm(FlaskForm):
    area = StringField(_l("Area"), filters=[strip], validators=[
        Length(max=80, message=_l("Use 80 characters or fewer.")), no_control_characters])


@dataclass(frozen=True)
class FilterInput:
    filters: Filters
    messages: tuple[str, ...]  # why something asked for was not applied
    asked_from: str
    asked_to: str

    @property
    def is_default_range(self) -> bool:
        return not (self.asked_from or self.asked_to)


def default_filters(today: date, area: str | None = None) -> Filters:
    return Filters(last_n_weeks(today, DEFAULT_WEEKS)[0], today, area)


def parse_filters(args: Mapping[str, str], today: date, areas: Sequence[str]) -> FilterInput:
    """Dates (YYYY-MM-DD, both included) and an area; anything wrong → a message and the default."""
    messages: list[str] = []
    asked_from, asked_to = (args.get("from") or "").strip()[:40], (args.get("to") or "").strip()[:40]
    area_asked = (args.get("area") or "").strip()
    area = area_asked or None
    if area is not None and area not in areas:
        messages.append(_("There is no area called “%(area)s”: showing every area.", area=area_asked[:80]))
        area = None
    default = default_filters(today, area)
    date_from, date_to = _parse_day(asked_from, default.date_from), _parse_day(asked_to, today)
    problem = _range_problem(date_from, date_to, today, asked_from, asked_to)
    if problem:
        messages.append(problem + " " + _("Showing the last %(weeks)d weeks instead.", weeks=DEFAULT_WEEKS))
        return FilterInput(default, tuple(messages), asked_from, asked_to)
    assert date_from is not None and date_to is not None
    return FilterInput(Filters(date_from, date_to, area), tuple(messages), asked_from, asked_to)


def _parse_day(text: str, default: date) -> date | None:
    if not text:
        return default
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _range_problem(date_from: date | None, date_to: date | None, today: date, asked_from: str,
                   asked_to: str) -> str | None:
    if date_from is None or date_to is None:
        bad = asked_from if date_from is None else asked_to
        return _("“%(text)s” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31.", text=bad)
    if date_from > date_to:
        return _("The start date is after the end date.")
    if date_from < EARLIEST or date_to > today + timedelta(days=366):
        return _("Choose dates between %(first)s and a year from today.", first=EARLIEST.isoformat())
    if (date_to - date_from).days > LONGEST_DAYS:
        return _("Choose a period of at most three years.")
    return None


def page_number(text: str | None, last_page: int) -> tuple[int, str | None]:
    """A page of a list: 1 when missing; a message and page 1 when it is not a page there is."""
    if not text:
        return 1, None
    if text.isdigit() and len(text) < 7 and 1 <= int(text) <= last_page:
        return int(text), None
    return 1, _("There is no page “%(page)s”: showing page 1 of %(last)d.", page=text[:12], last=last_page)
