"""Every page: zero serious or critical axe-core findings (WCAG 2.2 AA) at 360 px and at
1280 px, and no sideways scrolling on a 360 px phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_fits_phone, axe_check, axe_violations, log_in
from tests.factories import (
    PASSWORD,
    CertificateFactory,
    CompletionFactory,
    MembershipFactory,
    UserFactory,
    VenueFactory,
)
from training_portal.dashboards import inspections
from training_portal.extensions import db
from training_portal.venues import services

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class World:
    """Test data every page needs: who logs in, and the addresses built from ids."""

    emails: dict[str, str]
    venue_id: int
    join_code: str
    certificate_code: str
    staff_membership_id: int
    inspect_token: str
    invitation_token: str


Visit = Callable[[Page, World], None]


def _go(path: str, status: int = 200) -> Visit:
    """Open ``path`` (``{venue_id}`` etc. filled in from the world); check the status."""
    def visit(page: Page, world: World) -> None:
        response = page.goto(path.format(**vars(world)))
        assert response is not None and response.status == status, (path, response)
    return visit


def _open_attempt(page: Page, world: World) -> None:
    for number in (1, 2):  # the quiz opens once every lesson page has been read
        page.goto(f"/modules/welcome/{number}")
    page.goto("/modules/welcome/quiz")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("button", name="Submit my answers")).to_be_visible()


def _result(page: Page, world: World) -> None:
    _open_attempt(page, world)
    page.get_by_label("False", exact=True).check()
    page.get_by_label("A single odd moment", exact=True).check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="Not passed this time")).to_be_visible()


PAGES = [
    pytest.param("anonymous", _go("/"), id="welcome"),
    pytest.param("anonymous", _go("/login"), id="login"),
    pytest.param("anonymous", _go("/register"), id="register"),
    pytest.param("anonymous", _go("/reset"), id="reset"),
    pytest.param("anonymous", _go("/login/link"), id="login-link"),
    pytest.param("anonymous", _go("/join"), id="join-form"),
    pytest.param("anonymous", _go("/join/{join_code}"), id="join-venue"),
    pytest.param("anonymous", _go("/join/ZZZZ9999", 404), id="join-unknown"),
    pytest.param("anonymous", _go("/verify"), id="verify-form"),
    pytest.param("anonymous", _go("/verify/ABCD-EFGH-JKMN-PQRS", 404), id="verify-unknown"),
    pytest.param("anonymous", _go("/verify/{certificate_code}"), id="verify-valid"),
    pytest.param("anonymous", _go("/no/such/page", 404), id="not-found"),
    pytest.param("staff", _go("/"), id="my-training"),
    pytest.param("staff", _go("/account"), id="account"),
    pytest.param("staff", _go("/venues"), id="venues"),
    pytest.param("staff", _go("/venues/new"), id="venue-new"),
    pytest.param("manager", _go("/venues/{venue_id}"), id="venue-page"),
    pytest.param("manager", _go("/venues/{venue_id}/members/{staff_membership_id}/leave"),
                 id="venue-confirm-leaver"),
    pytest.param("manager", _go("/venues"), id="manager-venues"),
    pytest.param("manager", _go("/venues/{venue_id}/edit"), id="venue-edit"),
    pytest.param("manager", _go("/venues/{venue_id}/training"), id="venue-training"),
    pytest.param("manager", _go("/venues/{venue_id}/training?status=never_started&leavers=1"),
                 id="venue-training-filtered"),
    pytest.param("manager", _go("/venues/{venue_id}/people/{staff_membership_id}"),
                 id="venue-person"),
    pytest.param("manager", _go("/venues/{venue_id}/policy"), id="venue-policy"),
    pytest.param("manager", _go("/venues/{venue_id}/inspection"), id="venue-inspection"),
    pytest.param("anonymous", _go("/inspect/{inspect_token}"), id="inspect"),
    pytest.param("anonymous", _go("/inspect/not-a-real-token", 404), id="inspect-unknown"),
    pytest.param("invitee", _go("/invitations/{invitation_token}"), id="invitation"),
    pytest.param("staff", _go("/invitations/{invitation_token}"), id="invitation-not-yours"),
    pytest.param("admin", _go("/venues"), id="admin-venues"),
    pytest.param("admin", _go("/venues/{venue_id}"), id="admin-venue-page"),
    pytest.param("staff", _go("/modules/welcome"), id="confidence"),
    pytest.param("staff", _go("/modules/welcome/1"), id="lesson-page"),
    pytest.param("staff", _go("/modules/welcome/quiz"), id="quiz-intro"),
    pytest.param("staff", _open_attempt, id="quiz-attempt"),
    pytest.param("staff", _result, id="quiz-result"),
    pytest.param("staff", _go("/my/certificates"), id="my-certificates"),
    pytest.param("trainer", _go("/trainer/"), id="trainer-status"),
    pytest.param("trainer", _go("/trainer/modules/spiking/quiz"), id="trainer-quiz"),
]


@pytest.fixture
def world(live_app: Flask) -> World:
    with live_app.app_context():
        owner, staff = UserFactory(name="Olive Owner"), UserFactory(name="Sam Staff")
        trainer = UserFactory(name="Tess Trainer", trainer=True)
        venue = VenueFactory(name="The Lamplighter", created_by=owner)
        MembershipFactory(user=owner, venue=venue, manager=True)
        staff_membership = MembershipFactory(user=staff, venue=venue)
        certificate = CertificateFactory(completion=CompletionFactory(
            user_id=staff.id, module_slug="spiking", module_title="Spotting spiking",
            module_version="2.0", expires_on=date.today() + timedelta(days=300)))
        MembershipFactory(venue=venue, user__name="Nell Never")  # a reminder button
        MembershipFactory(venue=venue, user__name="Lou Leaver", left=True)
        invitee, admin = UserFactory(name="Ivy Invitee"), UserFactory(name="Ada Admin", admin=True)
        invitation = services.invite_co_manager(owner, venue, invitee.email)
        _link, inspect_token = inspections.create_link(owner, venue, "Licensing visit", 7)
        db.session.commit()
        emails = {"staff": staff.email, "manager": owner.email, "trainer": trainer.email,
                  "invitee": invitee.email, "admin": admin.email}
        return World(emails, venue.id, venue.join_code, certificate.code, staff_membership.id,
                     inspect_token, invitation.token)


@pytest.mark.parametrize(("who", "visit"), PAGES)
def test_page_is_accessible_and_fits_a_phone(world: World, page: Page, who: str,
                                             visit: Visit) -> None:
    if who != "anonymous":
        log_in(page, world.emails[who], PASSWORD)
    visit(page, world)
    axe_check(page)
    assert_fits_phone(page)
    page.set_viewport_size(LAPTOP)
    axe_check(page)


def test_form_errors_show_beside_their_fields(live_server: str, page: Page) -> None:
    page.goto("/register")
    page.get_by_role("button", name="Create account").click()
    for label, message in (("Your name", "Enter your name."),
                           ("Email address", "Enter your email address."),
                           ("Choose a password", "Enter a password.")):
        field = page.locator(".field", has=page.get_by_label(label))
        expect(field.locator(".error")).to_have_text(message)
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label(label)).to_have_accessible_description(re.compile(re.escape(message)))
    axe_check(page)
    assert_fits_phone(page)


def test_axe_check_finds_real_problems(live_server: str, page: Page) -> None:
    """The harness itself: a picture without alt text must be reported."""
    page.goto("/")
    page.evaluate("""() => { const img = document.createElement('img');
                             img.src = '/static/missing.png';
                             document.querySelector('main').append(img); }""")
    assert "image-alt" in {v["id"] for v in axe_violations(page)}
