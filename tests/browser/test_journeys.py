"""Whole journeys in a real browser on a phone-sized screen."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import log_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory, VenueFactory
from training_portal.certificates.models import Certificate
from training_portal.extensions import db

pytestmark = pytest.mark.browser

RIGHT_ANSWERS = {"first-to-notice": "True", "patterns": "Patterns of behaviour"}
WRONG_ANSWERS = {"first-to-notice": "False", "patterns": "A single odd moment"}
QUESTION_TEXT = {
    "first-to-notice": "Bar staff are often the first to notice that something is wrong.",
    "patterns": "What should you look for?",
}


def _staff(app: Flask) -> Any:
    with app.app_context():
        return UserFactory(name="Sam Staff")


def _venue_with_manager(app: Flask) -> tuple[Any, Any, Any]:
    """A venue, its owner (a manager) and one member of staff."""
    with app.app_context():
        owner = UserFactory(name="Olive Owner")
        venue = VenueFactory(name="The Lamplighter", created_by=owner, join_code="BCDF2345")
        MembershipFactory(user=owner, venue=venue, manager=True)
        staff = UserFactory(name="Larry Leaver")
        MembershipFactory(user=staff, venue=venue)
        return owner, venue, staff


def test_new_staff_member_joins_their_venue_from_the_poster_link(live_app: Flask,
                                                                    page: Page) -> None:
    with live_app.app_context():
        venue = VenueFactory(name="The Crown and Anchor", join_code="HJKM6789")
    started = time.monotonic()
    page.goto(f"/join/{venue.join_code}")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Your name").fill("Nadia Newstarter")
    page.get_by_label("Email address").fill("nadia@example.org")
    page.get_by_label("Choose a password").fill("a-long-enough-password")
    page.get_by_role("button", name="Create account").click()
    # a member on landing: no second "Join" tap
    expect(page.get_by_role("heading", name="My training", level=1)).to_be_visible()
    expect(page.get_by_text("You are a member of The Crown and Anchor.")).to_be_visible()
    venues = page.locator("section", has=page.get_by_role("heading", name="My venues"))
    expect(venues).to_contain_text("The Crown and Anchor")
    print(f"join journey: {time.monotonic() - started:.2f} s (budget for a person: a minute)")


def test_learner_passes_a_module_and_gets_a_certificate_without_javascript(
        live_app: Flask, no_js_page: Page) -> None:
    page, user = no_js_page, _staff(live_app)
    log_in(page, user.email, PASSWORD)
    _read_the_lesson(page)
    _answer_the_quiz(page, RIGHT_ANSWERS)
    expect(page.get_by_role("heading", name="You passed")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    page.goto(f"/verify/{_certificate_code(live_app)}")
    expect(page.get_by_role("heading", name="Valid certificate")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Sam Staff")


def test_failed_attempt_says_not_passed_and_explains(live_app: Flask, page: Page) -> None:
    user = _staff(live_app)
    log_in(page, user.email, PASSWORD)
    page.goto("/modules/welcome/quiz")
    expect(page.get_by_text("Read every page of the lesson first")).to_be_visible()
    page.goto("/my/training")
    _read_the_lesson(page)
    _answer_the_quiz(page, WRONG_ANSWERS)
    expect(page.get_by_role("heading", name="Not passed this time")).to_be_visible()
    expect(page.get_by_text("Patterns tell you more than one moment.")).to_be_visible()
    expect(page.get_by_role("link", name="Read again: What you will learn")).to_be_visible()


def test_manager_prints_the_poster_and_marks_a_leaver(live_app: Flask, page: Page) -> None:
    owner, venue, staff = _venue_with_manager(live_app)
    log_in(page, owner.email, PASSWORD)
    expect(page.get_by_role("heading", name="Training at The Lamplighter", level=1)).to_be_visible()
    page.get_by_role("link", name="Join code, poster and staff list").click()
    expect(page.get_by_role("heading", name="The Lamplighter", level=1)).to_be_visible()
    poster = page.get_by_role("link", name="Print the A4 poster (PDF)").get_attribute("href")
    response = page.request.get(poster or "")
    assert response.ok and response.headers["content-type"].startswith("application/pdf")
    assert response.body().startswith(b"%PDF")
    page.get_by_role("link", name="Mark Larry Leaver as left").click()
    expect(page.get_by_role("heading", name="Mark Larry Leaver as left?")).to_be_visible()
    page.get_by_role("button", name="Yes, mark as left").click()
    former = page.locator("section", has=page.get_by_role("heading", name="Former staff"))
    expect(former).to_contain_text("Larry Leaver")
    staff_list = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Staff")))
    expect(staff_list).not_to_contain_text("Larry Leaver")


# --- Steps -------------------------------------------------------------------------------

def _read_the_lesson(page: Page) -> None:
    page.get_by_role("link", name="Start Welcome to the programme").click()
    expect(page.get_by_role("heading", name="A quick question")).to_be_visible()
    page.get_by_role("button", name="Skip").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()



def _answer_the_quiz(page: Page, answers: dict[str, str]) -> None:
    page.get_by_role("button", name="Start the quiz").click()  # on the last lesson page
    for question, label in answers.items():
        group = page.locator("fieldset", has_text=QUESTION_TEXT[question])
        group.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Submit my answers").click()


def _certificate_code(app: Flask) -> str:
    with app.app_context():
        code = db.session.scalar(select(Certificate.code))
    assert code, "no certificate was issued"
    return code
