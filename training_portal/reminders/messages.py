"""The reminder emails: a manager's nudge, the expiry reminder and the weekly digest.

Plain text, second person, friendly: they say what to do and by when, never who is behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask import current_app, has_request_context
from flask_babel import gettext as _

from training_portal.accounts.models import User
from training_portal.dashboards.register import status_label
from training_portal.notifications.mail import external_url
from training_portal.notifications.outbox import queue_mail
from training_portal.reminders.plan import (
    DUE,
    OVERDUE,
    PAST_DEADLINE,
    DigestLine,
    Expiring,
    VenueDigest,
)
from training_portal.venues.models import Venue


def site_link(endpoint: str, **values: object) -> str:
    """``external_url`` needs a request; the CLI has none, so it builds from the URL map."""
    if has_request_context():
        return external_url(endpoint, **values)
    return current_app.config["SITE_URL"] + current_app.url_map.bind("").build(endpoint, values)


def day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def send_nudge_email(user: User, venue: Venue, sender: User, titles: Sequence[str],
                     deadline: date | None, today: date) -> None:
    """Queued in the caller's transaction, with the nudge it belongs to."""
    if deadline is not None and deadline >= today:
        when = _("%(venue)s asks for it to be done by %(date)s.", venue=venue.name,
                 date=day(deadline))
    else:
        when = _("Please do it when you next have a few quiet minutes.")
    queue_mail(user.email, _("A reminder about your training for %(venue)s", venue=venue.name), _(
        "Hello %(name)s,\n\n%(sender)s at %(venue)s asked us to send you a friendly reminder "
        "about your safety training. It helps you spot predatory behaviour and know what to "
        "do.\n\nThe modules to do:\n%(modules)s\n\n%(when)s Each module takes a few minutes "
        "on your phone. Log in here:\n%(link)s\n\nThank you for helping to keep people safe.",
        name=user.name, sender=sender.name, venue=venue.name,
        modules="\n".join(f"- {title}" for title in titles), when=when,
        link=site_link("main.home")), kind="nudge")


def expiry_message(name: str, items: Sequence[Expiring]) -> tuple[str, str]:
    lines = []
    for item in items:
        if item.set_by:
            lines.append(_("- %(module)s: in date until %(date)s (%(venue)s's rule)",
                           module=item.title, date=day(item.valid_until), venue=item.set_by))
        else:
            lines.append(_("- %(module)s: in date until %(date)s", module=item.title,
                           date=day(item.valid_until)))
    subject = _("Your training needs a refresher soon")
    return subject, _(
        "Hello %(name)s,\n\nThank you for doing your safety training. To keep it in date, "
        "please take the refresher before the date below:\n\n%(modules)s\n\nIt takes a few "
        "minutes on your phone. Log in here:\n%(link)s\n",
        name=name, modules="\n".join(lines), link=site_link("main.home"))


def _heading(category: str) -> str:
    return {OVERDUE: _("Overdue (a pass has run out or needs the new version)"),
            PAST_DEADLINE: _("New starters past the starter deadline"),
            DUE: _("Due within 30 days")}[category]


def _digest_line(line: DigestLine) -> str:
    parts = []
    for title, state, until in line.cells:
        label = status_label(state)
        parts.append(f"{title}: {label}" + (f" ({day(until)})" if until else ""))
    if line.category == PAST_DEADLINE and line.starter_deadline:
        parts.append(_("deadline was %(date)s", date=day(line.starter_deadline)))
    return f"- {line.name}: " + "; ".join(parts)


def digest_message(manager_name: str, digest: VenueDigest) -> tuple[str, str]:
    sections = []
    for category in (OVERDUE, PAST_DEADLINE, DUE):
        lines = [_digest_line(line) for line in digest.lines if line.category == category]
        if lines:
            sections.append(f"{_heading(category)} ({len(lines)}):\n" + "\n".join(lines))
    coverage = _("%(n)d of %(total)d staff are in date on every required module.",
                 n=digest.in_date, total=digest.staff)
    subject = _("Training this week at %(venue)s", venue=digest.venue_name)
    return subject, _(
        "Hello %(name)s,\n\nHere is this week's training summary for %(venue)s. "
        "%(coverage)s\n\n%(sections)s\n\nSee everyone and send reminders on your venue's "
        "page:\n%(link)s\n",
        name=manager_name, venue=digest.venue_name, coverage=coverage,
        sections="\n\n".join(sections),
        link=site_link("venues.show", venue_id=digest.venue_id))
