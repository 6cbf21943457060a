"""Times are stored in UTC and shown, and dated, in the site's time zone."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from training_portal.db import utcnow


def site_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SITE_TIMEZONE"])


def site_today() -> date:
    """Today's date where the venues are (a pass at 00:30 BST counts for that day)."""
    return utcnow().astimezone(site_zone()).date()


def site_date(moment: datetime) -> date:
    return moment.astimezone(site_zone()).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
