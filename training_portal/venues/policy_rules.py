"""The rules a venue's training policy must follow, as a plain function of plain values.

`venues` is core: it knows nothing about modules. The caller passes the published modules as
`ModuleTerm`s (slug, title, own validity period), so the rules are tested without content files.

- Refresher period: blank means each module's own period; otherwise 1 up to the shortest
  period among the required modules. A policy never loosens a module's rule, so a longer
  period is refused rather than silently having no effect.
- Required modules: at least one. Ticking every published module is stored as "all" (None),
  so a module published later is required too; ticking fewer stores exactly those.
- New-starter deadline: blank means none; otherwise 0 to 365 days after joining.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

MAX_STARTER_DEADLINE_DAYS = 365
REFRESHER = "refresher_months"
REQUIRED = "required"
DEADLINE = "starter_deadline_days"


@dataclass(frozen=True)
class ModuleTerm:
    slug: str
    title: str
    valid_for_months: int


@dataclass(frozen=True)
class TrainingPolicy:
    refresher_months: int | None
    required: tuple[str, ...] | None  # None: every published module, including later ones
    starter_deadline_days: int | None


def check_policy(refresher_months: int | None, required: Collection[str],
                 starter_deadline_days: int | None, modules: Sequence[ModuleTerm],
                 ) -> tuple[TrainingPolicy | None, dict[str, str]]:
    """The policy to store, or None and a message per field (keys REFRESHER, REQUIRED, DEADLINE)."""
    errors: dict[str, str] = {}
    chosen = [m for m in modules if m.slug in required]
    if not chosen or len(chosen) != len(set(required)):
        errors[REQUIRED] = _("Tick at least one module that staff here must hold.") if not chosen \
            else _("Tick only modules from the list.")
    refresher_error = _refresher_error(refresher_months, chosen or list(modules))
    if refresher_error:
        errors[REFRESHER] = refresher_error
    if starter_deadline_days is not None and not (
            0 <= starter_deadline_days <= MAX_STARTER_DEADLINE_DAYS):
        errors[DEADLINE] = _("Enter a number of days from 0 to %(max)d, or leave it blank for "
                             "no deadline.", max=MAX_STARTER_DEADLINE_DAYS)
    if errors:
        return None, errors
    stored = None if len(chosen) == len(modules) else tuple(m.slug for m in chosen)
    return TrainingPolicy(refresher_months, stored, starter_deadline_days), {}


def _refresher_error(months: int | None, required: Sequence[ModuleTerm]) -> str | None:
    if months is None:
        return None
    if months < 1:
        return _("Enter a number of months of at least 1, or leave it blank.")
    shortest = min(required, key=lambda m: m.valid_for_months, default=None)
    if shortest is not None and months > shortest.valid_for_months:
        return _("%(module)s is valid for %(n)d months, so renew training at least that often: "
                 "enter %(n)d or fewer, or leave it blank.",
                 module=shortest.title, n=shortest.valid_for_months)
    return None
