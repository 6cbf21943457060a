"""Trainers' pages on a 360 px phone: the content table and the question bank never scroll sideways."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_fits_phone, log_in
from tests.conftest import TEST_CONTENT_DIR
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

#: Any element, scrolling wrappers included, whose content is wider than its box.
SCROLLS_SIDEWAYS = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
  .map(e => `${e.tagName.toLowerCase()}.${e.className} (${e.scrollWidth} px in ${e.clientWidth} px)`)"""


def _fits_without_any_sideways_scroll(page: Page) -> None:
    assert_fits_phone(page)
    found = page.evaluate(SCROLLS_SIDEWAYS)
    assert found == [], found


def test_content_table_and_question_bank_fit_a_phone(live_app: Flask, page: Page) -> None:
    with live_app.app_context():
        trainer = UserFactory(trainer=True)
    log_in(page, trainer.email, PASSWORD)
    page.goto("/trainer/")
    expect(page.get_by_role("heading", name="Training content", level=1)).to_be_visible()
    expect(page.get_by_text("Draft of the next version of “welcome”")).to_be_visible()
    expect(page.get_by_text("unused_setting_with_a_long_name")).to_be_visible()
    _fits_without_any_sideways_scroll(page)
    link = page.get_by_role("link", name="Questions Spotting spiking")
    # One line: the table's narrow link column must not split "Questions" mid-word.
    assert link.evaluate("e => e.getClientRects().length") == 1
    link.click()
    expect(page.get_by_role("heading", name="Question bank: Spotting spiking")).to_be_visible()
    banner = page.get_by_role("status")
    expect(banner).to_contain_text("right answers are shown")
    expect(banner).to_have_class("flash flash-info")
    _fits_without_any_sideways_scroll(page)


@pytest.fixture
def live_app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    """Content with a long error and a draft of the next version, so the table has its longest lines."""
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT_DIR, content)
    shutil.copytree(content / "modules" / "welcome", content / "modules" / "welcome-to-the-programme-next")
    md = content / "modules" / "welcome-to-the-programme-next" / "module.md"
    md.write_text(md.read_text().replace('version: "1.2"', 'version: "2.0"').replace(
        "status: published", "status: draft\nreplaces: welcome"))
    door = content / "modules" / "door-notes" / "module.md"
    door.write_text(door.read_text().replace("status:", "unused_setting_with_a_long_name: 1\nstatus:"))
    return make_app(WTF_CSRF_ENABLED=True, MAIL_BACKEND="memory", CONTENT_DIR=str(content))
