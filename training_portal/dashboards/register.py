"""A venue's training register: what a licensing officer is shown at an inspection.

Built from `venue_overview()`, so every status comes from the one rule in
`learning/status.py` with this venue's policy; the CSV, the PDF and the inspection page all
read the same `Register` and name states with `STATUS_LABELS`, so they never disagree.

What is in it, and what is not:
- current staff only (leavers are not working here any more), each with every module the
  venue requires; an optional module appears (marked) only for people who have passed it,
  because an unstarted optional module is not evidence of anything;
- names, modules, dates, statuses and certificate codes; never an email address;
- a revoked certificate is not evidence: its row says so and gives no "valid until" date
  (the status rule knows passes, not certificates, so revocation is applied here).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from training_portal.certificates.codes import format_code
from training_portal.certificates.register_pdf import RegisterData, RegisterRow
from training_portal.csv_export import csv_bytes
from training_portal.dashboards.venue import Cell, VenueOverview, venue_overview
from training_portal.learning import status
from training_portal.modules.content import Module
from training_portal.timeutil import site_date
from training_portal.venues.models import Venue

#: The certificate behind the last pass was revoked by the partnership: not evidence.
REVOKED = "revoked"

#: The one set of plain words for each state, used by the CSV, the PDF and the HTML page.
STATUS_LABELS = {
    status.PASSED: _l("In date"),
    status.DUE_SOON: _l("Due within %(days)d days", days=status.DUE_SOON_DAYS),
    status.EXPIRED: _l("Expired"),
    status.OUTDATED: _l("Refresher needed (module updated)"),
    status.IN_PROGRESS: _l("In progress"),
    status.NOT_STARTED: _l("Not started"),
    REVOKED: _l("Certificate revoked"),
}


def status_label(state: str) -> str:
    return str(STATUS_LABELS[state])


@dataclass(frozen=True)
class RegisterEntry:
    """One person × one module."""

    module_title: str  # "(optional)" added when the venue does not require it
    module_version: str  # the version last passed; "" when never passed
    passed_on: date | None
    valid_until: date | None  # the venue's stricter date when it sets one; None if not valid
    state: str  # a `learning.status` state, or REVOKED
    status_label: str  # STATUS_LABELS[state], translated once per register
    certificate_code: str | None  # display form, e.g. K7QM-3XWD-9TRF-H2PN
    required: bool
    #: The name printed on that certificate as issued; None without a certificate.
    certificate_name: str | None = None

    @property
    def in_date(self) -> bool:
        return self.state in status.IN_DATE


@dataclass(frozen=True)
class RegisterPerson:
    name: str
    entries: tuple[RegisterEntry, ...]


@dataclass(frozen=True)
class Register:
    venue_name: str
    venue_address: str
    licence_number: str | None
    policy_lines: tuple[str, ...]
    generated_on: date
    people: tuple[RegisterPerson, ...]  # current staff, by name

    @property
    def entry_count(self) -> int:
        return sum(len(p.entries) for p in self.people)

    @property
    def fully_in_date_count(self) -> int:
        """People in date on every module the venue requires."""
        return sum(1 for p in self.people if all(e.in_date for e in p.entries if e.required))


def build_register(venue: Venue, modules: Sequence[Module], today: date) -> Register:
    overview = venue_overview(venue, modules, today)
    # Translated once here, not once per row: a register can have thousands of rows.
    labels = {state: str(label) for state, label in STATUS_LABELS.items()}
    titles = {m.slug: m.title if overview.policy.requires(m.slug)
              else _("%(title)s (optional)", title=m.title) for m in overview.modules}
    people = tuple(RegisterPerson(row.name, tuple(
        _entry(cell, titles[cell.module.slug], labels)
        for cell in row.cells if cell.required or cell.last_pass is not None))
        for row in overview.current)
    return Register(venue.name, f"{venue.address}, {venue.postcode}", venue.licence_number,
                    policy_lines(overview), today, people)


def _entry(cell: Cell, title: str, labels: dict[str, str]) -> RegisterEntry:
    last = cell.last_pass
    if last is None:
        return RegisterEntry(title, "", None, None, cell.state, labels[cell.state], None,
                             cell.required)
    state = REVOKED if last.revoked else cell.state
    code = format_code(last.certificate_code) if last.certificate_code else None
    return RegisterEntry(title, last.version, site_date(last.passed_at),
                         None if last.revoked else cell.standing.valid_until, state,
                         labels[state], code, cell.required, last.certificate_name)


def policy_lines(overview: VenueOverview) -> tuple[str, ...]:
    """The venue's training policy in plain sentences (refresher, required modules, starters)."""
    policy, required = overview.policy, overview.required_modules
    titles = ", ".join(m.title for m in required)
    if not required:
        lines = [_("No module is required at this venue.")]
    elif policy.required_slugs is None:
        lines = [_("Required training: every published module (%(titles)s).", titles=titles)]
    else:
        lines = [_("Required training: %(titles)s.", titles=titles)]
    lines.append(_refresher_line(policy.refresher_months, required))
    if policy.starter_deadline_days is None:
        lines.append(_("No deadline is set for new starters."))
    else:
        lines.append(_("New starters must complete the required training within %(n)d days of "
                       "joining.", n=policy.starter_deadline_days))
    if len(required) < len(overview.modules):
        lines.append(_("Optional modules are listed only for people who have passed them."))
    return tuple(lines)


def _refresher_line(months: int | None, required: Sequence[Module]) -> str:
    if months is not None:
        return _("Training is renewed every %(n)d months, or sooner if a module's own period "
                 "is shorter.", n=months)
    periods = {m.valid_for_months for m in required}
    if len(periods) == 1:
        return _("Training is renewed every %(n)d months.", n=periods.pop())
    return _("Training is renewed when each module's own period ends.")


# ---------------------------------------------------------------- exports


def csv_header() -> list[str]:
    return [_("Person"), _("Module"), _("Version"), _("Date passed"), _("Valid until"),
            _("Status"), _("Certificate code"), _("Required"), _("Name on certificate")]


def register_csv(register: Register) -> bytes:
    """One row per person × module; every cell neutralised by `csv_export`."""
    yes, no = _("yes"), _("no")
    rows = ([person.name, e.module_title, e.module_version, e.passed_on, e.valid_until,
             e.status_label, e.certificate_code, yes if e.required else no, e.certificate_name]
            for person in register.people for e in person.entries)
    return csv_bytes(csv_header(), rows)


def register_pdf_data(register: Register, verify_address: str) -> RegisterData:
    rows = tuple(RegisterRow(person.name, _issued_to(e, person.name), e.module_version, e.passed_on,
                             e.valid_until, e.status_label, e.certificate_code)
                 for person in register.people for e in person.entries)
    return RegisterData(register.venue_name, register.venue_address, register.licence_number,
                        register.policy_lines, register.generated_on, verify_address, rows)


def _issued_to(entry: RegisterEntry, name: str) -> str:
    """The module title, plus the name printed on the certificate when it is not the name now."""
    if entry.certificate_name is None or entry.certificate_name == name:
        return entry.module_title
    return _("%(title)s (certificate issued to %(name)s)", title=entry.module_title,
             name=entry.certificate_name)


def export_filename(venue_name: str, day: date, extension: str) -> str:
    """An ASCII-only name safe in any header or file system, e.g.
    ``training-register-the-lamplighter-2026-11-30.csv``."""
    plain = unicodedata.normalize("NFKD", venue_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60].strip("-") or "venue"
    return f"training-register-{slug}-{day.isoformat()}.{extension}"
