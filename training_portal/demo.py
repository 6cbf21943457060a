"""``flask demo load``: a demo venue and one person per role, created once."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from training_portal.accounts import services as accounts
from training_portal.accounts.models import User
from training_portal.certificates import services as certificate_services
from training_portal.certificates.codes import format_code
from training_portal.extensions import db
from training_portal.learning import attempts as quizzes
from training_portal.learning import reading
from training_portal.timeutil import site_today
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
    _demo_pass(people["staff@demo.example"])
    return True


def _demo_pass(user: User) -> None:
    """The demo staff member has passed the first module, so /verify has a code to try."""
    catalog = current_app.extensions["catalog"].current
    module = next(iter(catalog.published()), None)
    if module is None or module.quiz is None:
        return
    for number in range(1, len(module.pages) + 1):  # the quiz opens once every page is read
        reading.record_page_view(user.id, module.slug, number)
    attempt = quizzes.start_attempt(user.id, module, catalog.modules, site_today(), 0)
    bank = module.quiz
    answers = {item["question"]: sorted(bank.question(item["question"]).correct_ids)
               for item in attempt.drawn}
    if quizzes.submit_attempt(attempt, module, answers, site_today()):
        certificate_services.issue_for(attempt)


def demo_certificate_code() -> str | None:
    user = accounts.find_user_by_email("staff@demo.example")
    certificates = certificate_services.certificates_of(user) if user else []
    return format_code(certificates[0].code) if certificates else None


@demo_cli.command("load")
def load() -> None:
    """Load the demo venue and logins (once) and print the logins. Refused in production."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException(
            "flask demo load refuses to run with PORTAL_ENV=production: it creates accounts with a "
            "published password")
    created = load_demo()
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data already present.")
    click.echo(f"Demo logins (password for each: {DEMO_PASSWORD}):")
    for _name, email, role in DEMO_PEOPLE:
        click.echo(f"  {email:<24} {role or ('venue manager' if 'manager' in email else 'staff')}")
    code = demo_certificate_code()
    if code:
        click.echo(f"Demo certificate to check at /verify: {code}")
