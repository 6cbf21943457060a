"""A manager's venue training pages in a real browser: the journey on a phone, and axe at
360 px and 1280 px on the overview, a person's page and the policy form."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, assert_fits_phone, axe_check, log_in
from tests.factories import (
    PASSWORD,
    AttemptFactory,
    CertificateFactory,
    CompletionFactory,
    MembershipFactory,
    PageViewFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 900}


def _venue(app: Flask, with_staff: bool = True) -> dict[str, Any]:
    with app.app_context():
        owner = UserFactory(name="Olive Owner")
        venue = VenueFactory(name="The Lamplighter", created_by=owner, join_code="BCDF2345",
                             starter_deadline_days=14)
        MembershipFactory(user=owner, venue=venue, manager=True)
        found: dict[str, Any] = {"email": owner.email, "venue_id": venue.id,
                                 "join_code": venue.join_code}
        if with_staff:
            found["person_id"] = _staff(venue)
        return found


def _staff(venue: Any) -> int:
    """Staff in several states, a leaver and a certificate; returns a membership id."""
    today = date.today()
    passed = MembershipFactory(venue=venue, user__name="Priya Passed")
    certificate = CertificateFactory(completion=CompletionFactory(
        user_id=passed.user_id, module_slug="welcome", expires_on=today + timedelta(days=20)))
    AttemptFactory(user_id=passed.user_id, module_slug="spiking", module_version="2.0",
                   passed=False, score=40, graded_at=certificate.issued_at)
    reading = MembershipFactory(venue=venue, user__name="Rob Reading")
    PageViewFactory(user_id=reading.user_id, module_slug="spiking", page_number=1)
    MembershipFactory(venue=venue, user__name="Nell Never")
    leaver = MembershipFactory(venue=venue, user__name="Lou Leaver", left=True)
    CompletionFactory(user_id=leaver.user_id, module_slug="spiking", module_version="1.0")
    return passed.id


def test_manager_sets_a_policy_and_sees_a_new_starter_join(live_app: Flask, page: Page,
                                                           browser: Browser, live_server: str) -> None:
    world = _venue(live_app, with_staff=False)
    log_in(page, world["email"], PASSWORD)
    expect(page.get_by_role("heading", name="Training at The Lamplighter", level=1)).to_be_visible()
    assert_fits_phone(page)

    page.get_by_role("link", name="Change the training policy").click()
    page.get_by_label("Spotting spiking (valid for 12 months)").uncheck()
    page.get_by_label("Renew training every … months (optional)").fill("24")
    page.get_by_role("button", name="Save the policy").click()
    error = page.locator(".field", has=page.get_by_label("Renew training every … months (optional)"))
    expect(error.locator(".error")).to_contain_text("Welcome to the programme is valid for 12 months")
    page.get_by_label("Renew training every … months (optional)").fill("6")
    page.get_by_label("New starters must be trained within … days of joining (optional)").fill("7")
    page.get_by_role("button", name="Save the policy").click()
    expect(page.get_by_text("Training policy saved.")).to_be_visible()
    expect(page.get_by_text("Staff must hold: Welcome to the programme.")).to_be_visible()
    expect(page.get_by_text("Training is renewed every 6 months.")).to_be_visible()
    expect(page.get_by_text("New starters must be in date within 7 days of joining.")).to_be_visible()

    _new_starter_joins(browser, live_server, world["join_code"])
    page.reload()
    people = page.locator("ul.matrix-list")
    expect(people).to_contain_text("Nadia Newstarter")
    expect(people.locator("li", has_text="Nadia Newstarter").first).to_contain_text("Not started")
    page.get_by_role("link", name="2 people joined and never started").click()
    expect(page.locator("ul.matrix-list > li")).to_have_count(2)
    page.get_by_role("link", name="Nadia Newstarter").click()
    expect(page.get_by_role("heading", name="Nadia Newstarter", level=1)).to_be_visible()
    assert_fits_phone(page)


def _new_starter_joins(browser: Browser, base_url: str, join_code: str) -> None:
    context = browser.new_context(base_url=base_url, viewport=PHONE)
    try:
        phone = context.new_page()
        phone.goto(f"/join/{join_code}")
        phone.get_by_role("link", name="Create an account").click()
        phone.get_by_label("Your name").fill("Nadia Newstarter")
        phone.get_by_label("Email address").fill("nadia@example.org")
        phone.get_by_label("Choose a password").fill("a-long-enough-password")
        phone.get_by_role("button", name="Create account").click()
        # A member on landing: no second "Join" tap.
        expect(phone.get_by_role("heading", name="My training", level=1)).to_be_visible()
        expect(phone.get_by_text("You are a member of The Lamplighter.")).to_be_visible()
        expect(phone.get_by_role("navigation", name="Main")).not_to_contain_text("Venue")
    finally:
        context.close()


PAGES = [
    pytest.param("/venues/{venue_id}/training?leavers=1", id="overview"),
    pytest.param("/venues/{venue_id}/training?status=bogus&module=welcome", id="overview-filtered"),
    pytest.param("/venues/{venue_id}/people/{person_id}", id="person"),
    pytest.param("/venues/{venue_id}/policy", id="policy"),
]


@pytest.mark.parametrize("path", PAGES)
def test_venue_training_pages_pass_axe_on_a_phone_and_a_laptop(live_app: Flask, page: Page,
                                                               path: str) -> None:
    world = _venue(live_app)
    log_in(page, world["email"], PASSWORD)
    response = page.goto(path.format(**world))
    assert response is not None and response.status == 200
    axe_check(page)
    assert_fits_phone(page)
    page.set_viewport_size(LAPTOP)
    axe_check(page)


def test_phone_shows_the_list_and_laptop_the_table(live_app: Flask, page: Page) -> None:
    world = _venue(live_app)
    log_in(page, world["email"], PASSWORD)
    page.goto(f"/venues/{world['venue_id']}/training")
    expect(page.locator("ul.matrix-list")).to_be_visible()
    expect(page.get_by_role("table")).to_be_hidden()
    page.set_viewport_size(LAPTOP)
    expect(page.get_by_role("table")).to_be_visible()
    expect(page.locator("ul.matrix-list")).to_be_hidden()
    # The hidden copy is out of the accessibility tree: each name is one link.
    expect(page.get_by_role("link", name="Priya Passed")).to_have_count(1)


def test_policy_form_errors_show_beside_their_fields(live_app: Flask, page: Page) -> None:
    world = _venue(live_app, with_staff=False)
    log_in(page, world["email"], PASSWORD)
    page.goto(f"/venues/{world['venue_id']}/policy")
    page.get_by_label("Welcome to the programme (valid for 12 months)").uncheck()
    page.get_by_label("Spotting spiking (valid for 12 months)").uncheck()
    page.get_by_label("New starters must be trained within … days of joining (optional)").fill("-3")
    page.get_by_role("button", name="Save the policy").click()
    expect(page.get_by_text("Tick at least one module that staff here must hold.")).to_be_visible()
    field = page.get_by_label("New starters must be trained within … days of joining (optional)")
    expect(field).to_have_attribute("aria-invalid", "true")
    axe_check(page)
    assert_fits_phone(page)


def test_reminder_buttons_work_without_javascript_from_the_list_and_the_table(
        live_app: Flask, no_js_page: Page) -> None:
    """The matrix's buttons submit one shared form (HTML form/formaction): no script needed."""
    page, world = no_js_page, _venue(live_app)
    log_in(page, world["email"], PASSWORD)
    matrix = f"/venues/{world['venue_id']}/training?sort=joined"
    page.goto(matrix)
    page.locator("ul.matrix-list").get_by_role("button", name="Send a reminder to Nell Never").click()
    expect(page.get_by_text("We have emailed Nell Never a reminder.")).to_be_visible()
    assert page.url.endswith(matrix)
    expect(page.locator("ul.matrix-list > li", has_text="Nell Never")).to_contain_text("Reminder sent")
    page.set_viewport_size(LAPTOP)
    page.get_by_role("table").get_by_role("button", name="Send a reminder to Rob Reading").click()
    expect(page.get_by_text("We have emailed Rob Reading a reminder.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Rob Reading"))).to_contain_text("Reminder sent")
