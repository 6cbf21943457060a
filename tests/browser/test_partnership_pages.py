"""The partnership pages in a real browser: zero axe findings at 1280 px and 360 px, and
nothing sticking out sideways on a phone (charts are inline SVG, tables scroll in place)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page

from tests.browser.conftest import assert_fits_phone, axe_check
from tests.factories import (
    PASSWORD,
    CompletionFactory,
    ConfidenceRatingFactory,
    MembershipFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.browser


def _programme(app: Flask) -> str:
    with app.app_context():
        now = datetime.now(UTC)
        for v, (area, staff) in enumerate([("North", 6), ("North", 3), ("South", 8)]):
            venue = VenueFactory(name=f"Venue {v}", area=area)
            for i in range(staff):
                user = MembershipFactory(venue=venue).user
                if i % 2 == 0:
                    CompletionFactory(user_id=user.id, passed_at=now - timedelta(days=i * 5))
                ConfidenceRatingFactory(user_id=user.id, stage="before", rating=2, created_at=now - timedelta(days=9))
                ConfidenceRatingFactory(user_id=user.id, stage="after", rating=4, created_at=now - timedelta(days=2))
        return UserFactory(admin=True).email


def _log_in_admin(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Programme overview", level=1).wait_for()


@pytest.mark.parametrize("width", [1280, 360])
def test_partnership_pages_pass_axe(live_app: Flask, page: Page, width: int) -> None:
    email = _programme(live_app)
    page.set_viewport_size({"width": width, "height": 900})
    _log_in_admin(page, email)
    for path in ("/partnership", "/partnership/outcomes", "/partnership/venues",
                 "/partnership?from=2026-05-01&to=2026-01-01"):
        response = page.goto(path)
        assert response is not None and response.status == 200
        axe_check(page)
        if width == 360:
            assert_fits_phone(page)


def test_target_error_is_next_to_the_field(live_app: Flask, page: Page) -> None:
    email = _programme(live_app)
    _log_in_admin(page, email)
    page.get_by_label("Coverage target").fill("150")
    page.get_by_role("button", name="Save target").click()
    assert page.locator("#target-error").inner_text().strip() == "Enter a whole number from 1 to 100."
    axe_check(page)
