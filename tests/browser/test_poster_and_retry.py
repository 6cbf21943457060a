"""Two journeys at 360 px: poster link to certificate (page loads and taps counted), and the
retry page after a failed quiz without JavaScript (the page itself brings the quiz back)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import Flask
from playwright.sync_api import Frame, Locator, Page, expect

from tests.browser.conftest import assert_fits_phone, axe_check, log_in
from tests.browser.test_journeys import QUESTION_TEXT, RIGHT_ANSWERS, WRONG_ANSWERS, _read_the_lesson
from tests.factories import PASSWORD, UserFactory, VenueFactory

pytestmark = pytest.mark.browser

#: docs/benchmarks.md "Poster to certificate at 360 px": the journey as it is now.
MAX_LOADS, MAX_TAPS = 8, 13
RETRY_PAUSE = 3  # seconds, so the test sees the page refresh itself


@dataclass
class Counter:
    """Page loads of the main frame, and each tap (a click, a tick, or a field filled in)."""

    page: Page
    loads: list[str] = field(default_factory=list)
    taps: int = 0

    def __post_init__(self) -> None:
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self.loads.append(frame.url)

    def tap(self, target: Locator) -> None:
        self.taps += 1
        target.click()

    def tick(self, target: Locator) -> None:
        self.taps += 1
        target.check()

    def fill(self, target: Locator, text: str) -> None:
        self.taps += 1  # tapping into the field; typing is not counted
        target.fill(text)


def test_poster_link_to_certificate_on_a_phone(live_app: Flask, page: Page) -> None:
    with live_app.app_context():
        VenueFactory(name="The Crown and Anchor", join_code="HJKM6789")
    count = Counter(page)
    page.goto("/join/HJKM6789")  # the poster's QR code: the first load, not a tap
    count.tap(page.get_by_role("link", name="Create an account"))
    count.fill(page.get_by_label("Your name"), "Nadia Newstarter")
    count.fill(page.get_by_label("Email address"), "nadia@example.org")
    count.fill(page.get_by_label("Choose a password"), "a-long-enough-password")
    count.tap(page.get_by_role("button", name="Create account"))
    expect(page.get_by_text("You are a member of The Crown and Anchor.")).to_be_visible()
    assert_fits_phone(page)
    count.tap(page.get_by_role("link", name="Start Welcome to the programme"))
    count.tap(page.get_by_role("button", name="Skip"))
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    count.tap(page.get_by_role("link", name="Next"))
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    axe_check(page)  # the last page, with its "Start the quiz" form
    assert_fits_phone(page)
    count.tap(page.get_by_role("button", name="Start the quiz"))
    for question, label in RIGHT_ANSWERS.items():
        count.tick(page.locator("fieldset", has_text=QUESTION_TEXT[question]).get_by_label(label, exact=True))
    count.tap(page.get_by_role("button", name="Submit my answers"))
    expect(page.get_by_role("heading", name="You passed")).to_be_visible()
    assert_fits_phone(page)
    with page.expect_download() as download:
        count.tap(page.get_by_role("link", name="Download your certificate (PDF)"))
    assert download.value.path().read_bytes().startswith(b"%PDF")
    print(f"poster to certificate at 360 px: {len(count.loads)} page loads, {count.taps} taps")
    assert (len(count.loads), count.taps) <= (MAX_LOADS, MAX_TAPS), count.loads


@pytest.fixture
def live_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(WTF_CSRF_ENABLED=True, MAIL_BACKEND="memory", QUIZ_RETRY_PAUSE_SECONDS=RETRY_PAUSE)


def test_the_retry_page_brings_the_quiz_back_without_javascript(live_app: Flask, no_js_page: Page) -> None:
    page = no_js_page
    with live_app.app_context():
        user = UserFactory()
    log_in(page, user.email, PASSWORD)
    _read_the_lesson(page)
    page.get_by_role("button", name="Start the quiz").click()
    for question, label in WRONG_ANSWERS.items():
        page.locator("fieldset", has_text=QUESTION_TEXT[question]).get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="Not passed this time")).to_be_visible()
    wait = page.get_by_role("status").filter(has_text="You can try again at")
    expect(wait).to_have_text(re.compile(r"You can try again at \d\d:\d\d, in [1-3] seconds\. This page updates "
                                         r"by itself then\."))
    expect(page.get_by_role("button", name="Try again now")).to_have_count(0)
    result_url = page.url
    # nobody touches the page: its meta refresh reloads it once the pause is over
    expect(page.get_by_role("button", name="Try again now")).to_be_visible(timeout=(RETRY_PAUSE + 5) * 1000)
    assert page.url == result_url
    page.get_by_role("button", name="Try again now").click()
    expect(page.get_by_role("button", name="Submit my answers")).to_be_visible()
    assert_fits_phone(page)
