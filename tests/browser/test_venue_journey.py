"""Issue 7's acceptance test: a venue manager's whole journey on a 360 px phone.

The manager signs in, sets a training policy, sees a new starter appear after they join from
the poster address (in their own browser), reminds them (the mail lands in the app's memory
outbox), watches them turn "passed" once they have read the module and passed the quiz,
exports the register (PDF and CSV), and makes an inspection link that a licensing officer
opens with no account. axe finds nothing on any page visited, and every page fits the phone.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PHONE, assert_fits_phone, axe_check, log_in
from tests.browser.test_journeys import RIGHT_ANSWERS, _answer_the_quiz, _read_the_lesson
from tests.factories import PASSWORD, CompletionFactory, MembershipFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.browser

VENUE = "The Lamplighter"
STARTER, STARTER_EMAIL = "Nadia Newstarter", "nadia@example.org"


@pytest.fixture
def phone_context(browser: Browser, live_server: str) -> Iterator[Callable[[], BrowserContext]]:
    """Another phone, with its own cookies: the new starter's, or the officer's."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(base_url=live_server, viewport=PHONE, bypass_csp=True)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _venue(app: Flask) -> tuple[str, int, str]:
    with app.app_context():
        owner = UserFactory(name="Olive Owner")
        venue = VenueFactory(name=VENUE, created_by=owner, join_code="BCDF2345")
        MembershipFactory(user=owner, venue=venue, manager=True)
        now = datetime.now(UTC)  # the owner is trained: the new starter is the one to watch
        CompletionFactory(user_id=owner.id, module_slug="welcome", passed_at=now - timedelta(days=3),
                          expires_on=(now + timedelta(days=300)).date())
        return owner.email, venue.id, venue.join_code


def _checked(page: Page) -> None:
    """Every page the journey visits: zero axe findings, no sideways scrolling at 360 px."""
    axe_check(page)
    assert_fits_phone(page)


def _mail_to(app: Flask, address: str, timeout: float = 5.0) -> EmailMessage:
    """The newest mail to ``address`` (mail is sent just after the request that queued it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in app.extensions.get("mail_outbox", []) if m["To"] == address]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no mail to {address}")


def test_a_manager_trains_a_new_starter_and_proves_it_at_an_inspection(
        live_app: Flask, live_server: str, page: Page,
        phone_context: Callable[[], BrowserContext]) -> None:
    email, venue_id, join_code = _venue(live_app)
    overview = f"{live_server}/venues/{venue_id}/training"

    # 1. The manager signs in on a phone and lands on the venue's training.
    log_in(page, email, PASSWORD)
    expect(page).to_have_url(overview)
    expect(page.get_by_role("heading", name=f"Training at {VENUE}", level=1)).to_be_visible()
    _checked(page)

    # 2. The policy: only the welcome module, renewed every 6 months, new starters in 14 days.
    page.get_by_role("link", name="Change the training policy").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Training policy")
    _checked(page)
    page.get_by_label("Spotting spiking (valid for 12 months)").uncheck()
    page.get_by_label("Renew training every … months (optional)").fill("6")
    page.get_by_label("New starters must be trained within … days of joining (optional)").fill("14")
    page.get_by_role("button", name="Save the policy").click()
    expect(page.get_by_text("Training policy saved.")).to_be_visible()
    expect(page.get_by_text("New starters must be in date within 14 days of joining.")).to_be_visible()
    expect(page.get_by_text("Training is renewed every 6 months.")).to_be_visible()
    _checked(page)

    # 3. A new starter joins from the poster address on their own phone.
    starter = phone_context().new_page()
    starter.goto(f"/join/{join_code}")
    _checked(starter)
    starter.get_by_role("link", name="Create an account").click()
    starter.get_by_label("Your name").fill(STARTER)
    starter.get_by_label("Email address").fill(STARTER_EMAIL)
    starter.get_by_label("Choose a password").fill("a-long-enough-password")
    starter.get_by_role("button", name="Create account").click()
    # A member on landing: no second "Join" tap.
    expect(starter.get_by_role("heading", name="My training", level=1)).to_be_visible()
    expect(starter.get_by_text(f"You are a member of {VENUE}.")).to_be_visible()

    page.reload()
    card = page.locator("ul.matrix-list > li", has_text=STARTER)
    expect(card).to_contain_text("Not started")
    expect(page.get_by_role("link", name="1 person joined and never started")).to_be_visible()
    _checked(page)

    # 4. A reminder from the matrix; the manager comes back to the same view.
    page.goto(f"{overview}?status=never_started")
    card.get_by_role("button", name=f"Send a reminder to {STARTER}").click()
    expect(page.get_by_text(f"We have emailed {STARTER} a reminder.")).to_be_visible()
    expect(page).to_have_url(f"{overview}?status=never_started")
    expect(card).to_contain_text("Reminder sent")
    expect(page.get_by_role("button", name=f"Send a reminder to {STARTER}")).to_have_count(0)
    _checked(page)
    mail = _mail_to(live_app, STARTER_EMAIL)
    body = mail.get_content()
    assert mail["Subject"] == f"A reminder about your training for {VENUE}"
    assert "Welcome to the programme" in body and "Spotting spiking" not in body
    link = re.search(r"(http://127\.0\.0\.1:\d+/)\s", body)
    assert link, body

    # Their record says so too.
    card.get_by_role("link", name=STARTER).click()
    expect(page.get_by_role("heading", name=STARTER, level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Reminder sent")
    _checked(page)

    # 5. The new starter follows the mail's link, reads the module and passes the quiz.
    starter.goto(link.group(1))
    _read_the_lesson(starter)
    _answer_the_quiz(starter, RIGHT_ANSWERS)
    expect(starter.get_by_role("heading", name="You passed")).to_be_visible()

    page.goto(overview)
    expect(card.locator("li", has_text="Welcome to the programme")).to_contain_text("Passed")
    expect(card.get_by_role("button")).to_have_count(0)  # nothing left to remind them of
    expect(page.locator("p.figure")).to_contain_text("(2 of 2)")
    _checked(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    row = page.get_by_role("row", name=re.compile(STARTER))
    expect(row).to_contain_text("Passed")
    axe_check(page)
    page.set_viewport_size(PHONE)

    # 6. The register, as a PDF and a spreadsheet.
    page.get_by_role("link", name="Join code, poster and staff list").click()
    expect(page.get_by_role("heading", name=VENUE, level=1)).to_be_visible()
    _checked(page)
    page.get_by_role("link", name="Inspection: register and links").click()
    expect(page.get_by_role("heading", name="Inspection: register and links", level=1)).to_be_visible()
    _checked(page)
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download the register (PDF)").click()
    assert pdf_download.value.path().read_bytes().startswith(b"%PDF")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download as a spreadsheet (CSV)").click()
    register = csv_download.value.path().read_text(encoding="utf-8-sig")
    starter_line = next(line for line in register.splitlines() if STARTER in line)
    assert "In date" in starter_line and "@" not in register

    # 7. An inspection link, opened on a phone with no account.
    page.get_by_label("Who it is for").fill("Licensing visit")
    page.get_by_label("Number of days the link works").fill("7")
    page.get_by_role("button", name="Create link").click()
    address = page.get_by_label("Inspection link", exact=True).input_value()
    assert address.startswith(f"{live_server}/inspect/")
    _checked(page)

    officer = phone_context().new_page()
    response = officer.goto(address)
    assert response is not None and response.status == 200
    expect(officer.get_by_role("heading", name="Training register", level=1)).to_be_visible()
    expect(officer.get_by_role("heading", name=STARTER)).to_be_visible()
    expect(officer.get_by_role("button", name="Log out")).to_have_count(0)
    assert "@" not in officer.content()
    _checked(officer)
