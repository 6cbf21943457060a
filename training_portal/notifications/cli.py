"""``flask mail``: drain the mail queue (cron runs ``send-queued`` every minute) and count it."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from training_portal.extensions import db
from training_portal.notifications import outbox

mail_cli = AppGroup("mail", help="Send queued mail and see the queue.")


@mail_cli.command("send-queued")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="Most mails to send in this run.")
def send_queued(limit: int) -> None:
    """Send due mail; safe to run from cron while another run is still going."""
    result = outbox.send_queued(limit=limit)
    click.echo(f"sent {result.sent}, failed {result.failed}, still queued {result.remaining}")


@mail_cli.command("status")
def status() -> None:
    """Count queued mail by state (and by kind)."""
    for state, kinds in outbox.mail_status(db.session()).items():
        detail = ", ".join(f"{kind} {count}" for kind, count in kinds.items())
        click.echo(f"{state:<8} {sum(kinds.values()):>6}" + (f"  ({detail})" if detail else ""))
