"""Admin search and trainer insights in a real browser: axe finds nothing at 360 px and 1280 px,
nothing scrolls sideways on a phone, and revoking from the certificate page works with CSRF on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_fits_phone, axe_check, log_in
from tests.factories import (
    PASSWORD,
    AttemptFactory,
    CertificateFactory,
    CompletionFactory,
    MembershipFactory,
    UserFactory,
)
from training_portal.extensions import db
from training_portal.learning import question_stats

pytestmark = pytest.mark.browser



@dataclass(frozen=True)
class World:
    admin_email: str
    trainer_email: str
    person_id: int
    certificate_id: int


@pytest.fixture
def world(live_app: Flask) -> World:
    with live_app.app_context():
        admin = UserFactory(name="Ada Admin", admin=True)
        trainer = UserFactory(name="Tess Trainer", trainer=True)
        membership = MembershipFactory(user__name="Priya Longsurname-Hyphenated",
                                       venue__name="The Lamplighter and Crown")
        certificate = CertificateFactory(completion=CompletionFactory(
            user_id=membership.user_id, module_slug="spiking", module_title="Spotting spiking",
            module_version="2.0", expires_on=date.today() + timedelta(days=300)))
        CertificateFactory(completion=CompletionFactory(
            user_id=membership.user_id, expires_on=date.today() - timedelta(days=3)))
        welcome = live_app.extensions["catalog"].current.get("welcome")
        for n in range(7):
            attempt = AttemptFactory(
                module_slug="welcome", module_version=welcome.version,
                content_hash=welcome.content_hash if n < 6 else "f" * 64,
                answers={"patterns": ["a" if n < 4 else "b"]}, results={"patterns": n < 4},
                graded_at=db.func.now(), score=0, passed=False)
            question_stats.record_graded(attempt)
        db.session.commit()
        return World(admin.email, trainer.email, membership.user_id, certificate.id)


ADMIN_PAGES = ["/admin/certificates", "/admin/certificates?q=priya", "/admin/certificates?q=pr", "/admin/people",
               "/admin/people?q=lamp", "/admin/people/{person_id}",
               "/admin/certificates/{certificate_id}", "/admin/certificates?page=abc"]
TRAINER_PAGES = ["/trainer/insights", "/trainer/modules/welcome/insights",
                 "/trainer/modules/welcome/quiz"]


def _check_pages(page: Page, world: World, paths: list[str]) -> None:
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 780 if width == 360 else 900})
        for path in paths:
            response = page.goto(path.format(**vars(world)))
            assert response is not None and response.status in (200, 400), path
            axe_check(page)
            if width == 360:
                assert_fits_phone(page)


def test_admin_search_pages_are_accessible_at_both_widths(world: World, page: Page) -> None:
    log_in(page, world.admin_email, PASSWORD)
    _check_pages(page, world, ADMIN_PAGES)


def test_trainer_insights_pages_are_accessible_at_both_widths(world: World, page: Page) -> None:
    log_in(page, world.trainer_email, PASSWORD)
    _check_pages(page, world, TRAINER_PAGES)
    page.goto("/trainer/modules/welcome/insights")
    expect(page.get_by_text("66% right").first).to_be_visible()


def test_admin_finds_a_certificate_and_revokes_it(world: World, page: Page) -> None:
    log_in(page, world.admin_email, PASSWORD)
    page.goto("/admin/certificates")
    page.get_by_label("Code or holder's name").fill("priya")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("row").filter(has_text="Spotting spiking").get_by_role("link").click()
    page.get_by_label("Reason for revoking").fill("Passed on another person's account.")
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Public status: Revoked")).to_be_visible()
    expect(page.get_by_text("Passed on another person's account.")).to_be_visible()
    axe_check(page)
