""""Keep me signed in on this phone" in a real browser at 360 px: found by its label, unticked
until ticked, and only then a cookie that outlives the browser (about 30 days)."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import assert_fits_phone, axe_check
from tests.factories import PASSWORD, UserFactory
from training_portal.accounts import services
from training_portal.accounts.models import User
from training_portal.extensions import db

pytestmark = pytest.mark.browser

LABEL = "Keep me signed in on this phone"
DAY = 86400


def _session_expires(context: BrowserContext) -> float:
    [cookie] = [c for c in context.cookies() if c["name"] == "session"]
    return cookie["expires"]  # -1: a browser-session cookie


def _log_in(page: Page, remember: bool) -> None:
    page.goto("/login")
    box = page.get_by_role("checkbox", name=LABEL)
    expect(box).not_to_be_checked()
    page.get_by_label("Email address").fill("sam@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    if remember:
        page.get_by_text(LABEL).click()  # the label itself ticks the box
        expect(box).to_be_checked()
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


def test_the_log_in_page_with_the_box_is_accessible_on_a_phone(page: Page) -> None:
    page.goto("/login")
    expect(page.get_by_label(LABEL)).to_have_accessible_description(
        "Only on a phone that is yours alone: you stay signed in for up to 30 days, until you log out.")
    assert_fits_phone(page)
    axe_check(page)


@pytest.mark.parametrize("remember", [True, False], ids=["ticked", "unticked"])
def test_only_a_ticked_box_keeps_the_phone_signed_in(live_app: Flask, page: Page,
                                                     context: BrowserContext, remember: bool) -> None:
    with live_app.app_context():
        UserFactory(email="sam@example.org")
    _log_in(page, remember)
    expires = _session_expires(context)
    if remember:
        assert abs(expires - (time.time() + 30 * DAY)) < 600
    else:
        assert expires == -1


def test_the_emailed_sign_in_link_page_has_the_box_too(live_app: Flask, page: Page) -> None:
    with live_app.app_context():
        user = UserFactory(email="sam@example.org")
        token = services.issue_token(db.session.get(User, user.id), services.PURPOSE_LOGIN, 15)
        db.session.commit()
    page.goto(f"/login/link/{token}")
    expect(page.get_by_role("checkbox", name=LABEL)).not_to_be_checked()
    assert_fits_phone(page)
    axe_check(page)
