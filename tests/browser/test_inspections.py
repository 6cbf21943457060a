"""A manager proves training at an inspection: exports the register, makes a link, and a
licensing officer opens it on a phone without an account."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser.conftest import PHONE, assert_fits_phone, axe_check, log_in
from tests.factories import (
    PASSWORD,
    CertificateFactory,
    CompletionFactory,
    MembershipFactory,
    UserFactory,
    VenueFactory,
)
from training_portal.dashboards.models import InspectionLink
from training_portal.db import utcnow
from training_portal.extensions import db

pytestmark = pytest.mark.browser


def _venue(app: Flask) -> tuple[str, int]:
    with app.app_context():
        owner = UserFactory(name="Olive Owner")
        venue = VenueFactory(name="The Lamplighter", created_by=owner, licence_number="LN/0042")
        MembershipFactory(user=owner, venue=venue, manager=True)
        staff = MembershipFactory(venue=venue, user__name="Sam Staff").user
        CertificateFactory(code="K7QM3XWD9TRFH2PN", completion=CompletionFactory(
            user_id=staff.id, module_slug="spiking", module_title="Spotting spiking",
            module_version="2.0", expires_on=date.today() + timedelta(days=300)))
        return owner.email, venue.id


def test_manager_exports_and_an_officer_opens_the_link_on_a_phone(
        live_app: Flask, live_server: str, page: Page, browser: Browser) -> None:
    email, venue_id = _venue(live_app)
    log_in(page, email, PASSWORD)
    page.goto(f"/venues/{venue_id}")
    page.get_by_role("link", name="Inspection: register and links").click()
    expect(page.get_by_role("heading", name="Inspection: register and links", level=1)).to_be_visible()
    axe_check(page)
    assert_fits_phone(page)
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download the register (PDF)").click()
    assert pdf_download.value.path().read_bytes().startswith(b"%PDF")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download as a spreadsheet (CSV)").click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    assert "Sam Staff" in csv_download.value.path().read_text(encoding="utf-8-sig")

    page.get_by_label("Number of days the link works").fill("120")
    page.get_by_label("Who it is for").fill("Licensing visit, March")
    page.get_by_role("button", name="Create link").click()
    expect(page.locator("#days-error")).to_contain_text("from 1 to 90")
    axe_check(page)
    page.get_by_label("Number of days the link works").fill("14")
    page.get_by_role("button", name="Create link").click()
    address = page.get_by_label("Inspection link", exact=True).input_value()
    assert address.startswith(f"{live_server}/inspect/")
    axe_check(page)
    assert_fits_phone(page)

    officer_context = browser.new_context(viewport=PHONE, bypass_csp=True)
    try:
        officer = officer_context.new_page()
        response = officer.goto(address)
        assert response is not None and response.status == 200
        expect(officer.get_by_role("heading", name="Training register", level=1)).to_be_visible()
        expect(officer.get_by_role("heading", name="Sam Staff")).to_be_visible()
        expect(officer.locator("main")).to_contain_text("K7QM-3XWD-9TRF-H2PN")
        assert "@" not in officer.content()
        axe_check(officer)
        assert_fits_phone(officer)
        officer.set_viewport_size({"width": 1280, "height": 900})
        axe_check(officer)
        officer.set_viewport_size(PHONE)

        page.reload()
        expect(page.locator("ul.links")).to_contain_text("Opened 1 time")

        with live_app.app_context():
            link = db.session.scalar(select(InspectionLink))
            link.expires_at = utcnow() - timedelta(hours=1)
            db.session.commit()
        response = officer.goto(address)
        assert response is not None and response.status == 410
        expect(officer.locator("main")).to_contain_text("This inspection link has expired")
        assert "The Lamplighter" not in officer.content()
        axe_check(officer)
        assert_fits_phone(officer)
    finally:
        officer_context.close()
