from __future__ import annotations

import click
from flask.cli import AppGroup

from training_portal.accounts import services
from training_portal.extensions import db

users_cli = AppGroup("users", help="Manage accounts and global roles.")


def _user_or_fail(email: str):  # type: ignore[no-untyped-def]
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email address {email}.")
    return user


@users_cli.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice(services.KNOWN_ROLES))
def grant(email: str, role: str) -> None:
    """Give EMAIL the global role trainer or admin."""
    services.set_role(_user_or_fail(email), role, True)
    db.session.commit()
    click.echo(f"{email} is now {role}.")


@users_cli.command("revoke")
@click.argument("email")
@click.argument("role", type=click.Choice(services.KNOWN_ROLES))
def revoke(email: str, role: str) -> None:
    """Take the global role trainer or admin away from EMAIL."""
    services.set_role(_user_or_fail(email), role, False)
    db.session.commit()
    click.echo(f"{email} is no longer {role}.")


@users_cli.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable an account; its sessions end at once."""
    services.set_disabled(_user_or_fail(email), True)
    db.session.commit()
    click.echo(f"{email} is disabled.")


@users_cli.command("enable")
@click.argument("email")
def enable(email: str) -> None:
    services.set_disabled(_user_or_fail(email), False)
    db.session.commit()
    click.echo(f"{email} is enabled.")
