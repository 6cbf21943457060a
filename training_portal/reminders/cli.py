"""``flask reminders send``: run it daily from cron or a systemd timer (see the README)."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from training_portal.reminders.services import send_reminders
from training_portal.timeutil import site_today

reminders_cli = AppGroup("reminders", help="Email expiry reminders and managers' weekly digests.")


@reminders_cli.command("send")
@click.option("--days", type=click.IntRange(min=0, max=365), default=None,
              help="Remind staff whose training runs out within this many days "
                   "(default: REMINDER_DAYS, 30).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; change nothing.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD); default: the site's today.")
def send(days: int | None, dry_run: bool, today: datetime | None) -> None:
    """Queue what is due; safe to run again or alongside another run: nothing goes twice."""
    day = today.date() if today is not None else site_today()
    window = days if days is not None else current_app.config["REMINDER_DAYS"]
    summary = send_reminders(day, window, dry_run=dry_run, echo=click.echo)
    click.echo(summary.line())
