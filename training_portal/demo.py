"""``flask demo load``: a demo venue and one person per role, created once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from training_portal.accounts import services as accounts
from training_portal.extensions import db
from training_portal.venues import services as venues

demo_cli = AppGroup("demo", help="Demo data for trying the portal locally.")

DEMO_PASSWORD = "demo-password-1"  # noqa: S105  (demo data, printed on purpose)
DEMO_PEOPLE = (
    ("Maya Manager", "manager@demo.example", None),
    ("Sam Staff", "staff@demo.example", None),
    ("Tariq Trainer", "trainer@demo.example", "trainer"),
    ("Ada Admin", "admin@demo.example", "admin"),
)


def load_demo() -> bool:
    """Create the demo data unless it exists; returns whether anything was created."""
    if accounts.find_user_by_email(DEMO_PEOPLE[0][1]) is not None:
        return False
    people = {}
    for name, email, role in DEMO_PEOPLE:
        user = accounts.register(name, email, DEMO_PASSWORD)
        if role:
            accounts.set_role(user, role, True)
        people[email] = user
    venue = venues.create_venue(people["manager@demo.example"], "The Crown and Anchor (demo)",
                                "1 High Street, Demo Town", "DT1 1AA", None)
    venues.join_venue(people["staff@demo.example"], venue)
    return True


@demo_cli.command("load")
def load() -> None:
    """Load the demo venue and logins (once) and print the logins."""
    created = load_demo()
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data already present.")
    click.echo(f"Demo logins (password for each: {DEMO_PASSWORD}):")
    for _name, email, role in DEMO_PEOPLE:
        click.echo(f"  {email:<24} {role or ('venue manager' if 'manager' in email else 'staff')}")
