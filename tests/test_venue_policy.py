"""A venue's training policy: the rules (called directly) and the form (refuse, save, audit)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.conftest import login_client
from tests.factories import CompletionFactory, MembershipFactory, UserFactory, VenueFactory
from training_portal.audit import AuditEvent
from training_portal.extensions import db
from training_portal.timeutil import add_months, site_today
from training_portal.venues.models import Venue
from training_portal.venues.policy_rules import (
    DEADLINE,
    REFRESHER,
    REQUIRED,
    ModuleTerm,
    TrainingPolicy,
    check_policy,
)

MODULES = [ModuleTerm("welcome", "Welcome", 24), ModuleTerm("spiking", "Spotting spiking", 12)]


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


# --- The rules ----------------------------------------------------------------------------

def test_a_valid_policy_is_returned(ctx):
    assert check_policy(6, ["spiking"], 14, MODULES) == (TrainingPolicy(6, ("spiking",), 14), {})


def test_blank_means_the_defaults_and_all_ticked_means_all(ctx):
    assert check_policy(None, ["welcome", "spiking"], None, MODULES) == (
        TrainingPolicy(None, None, None), {})


@pytest.mark.parametrize("months,required,ok", [
    (12, ["welcome", "spiking"], True), (13, ["welcome", "spiking"], False),
    (13, ["welcome"], True), (24, ["welcome"], True), (25, ["welcome"], False), (0, ["welcome"], False),
    (-1, ["welcome"], False), (1, ["welcome"], True)])
def test_refresher_is_at_most_the_shortest_required_module(ctx, months, required, ok):
    policy, errors = check_policy(months, required, None, MODULES)
    assert (policy is not None) == ok and (REFRESHER not in errors) == ok


def test_a_too_long_refresher_names_the_module(ctx):
    _policy, errors = check_policy(18, ["welcome", "spiking"], None, MODULES)
    assert "Spotting spiking is valid for 12 months" in errors[REFRESHER]


def test_at_least_one_module_is_required(ctx):
    policy, errors = check_policy(None, [], None, MODULES)
    assert policy is None and "at least one" in errors[REQUIRED]
    _policy, errors = check_policy(None, ["welcome", "made-up"], None, MODULES)
    assert REQUIRED in errors


@pytest.mark.parametrize("days,ok", [(None, True), (0, True), (365, True), (366, False), (-1, False)])
def test_starter_deadline_is_blank_or_0_to_365(ctx, days, ok):
    _policy, errors = check_policy(None, ["welcome"], days, MODULES)
    assert (DEADLINE not in errors) == ok


# --- The form -----------------------------------------------------------------------------

def _venue(app, **fields):
    with app.app_context():
        manager = UserFactory()
        venue = VenueFactory(created_by=manager, **fields)
        MembershipFactory(user=manager, venue=venue, manager=True)
        return manager, venue


def _stored(app, venue_id):
    with app.app_context():
        venue = db.session.get(Venue, venue_id)
        return venue.refresher_months, venue.required_modules, venue.starter_deadline_days


def _field_error(page: str, field: str) -> str:
    """The error paragraph inside the field's own block (next to the input)."""
    block = page.split(f'<label for="{field}">', 1)[1].split(f'id="{field}"', 1)[0]
    assert f'id="{field}-error"' in block, f"no error next to {field}"
    return block.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]


def test_form_shows_the_current_policy(app):
    manager, venue = _venue(app, refresher_months=6, required_modules=["welcome"],
                            starter_deadline_days=14)
    page = login_client(app, manager).get(f"/venues/{venue.id}/policy").get_data(as_text=True)
    assert 'value="6"' in page and 'value="14"' in page
    assert 'checked id="required-0" name="required" type="checkbox" value="welcome"' in page
    assert 'id="required-1" name="required" type="checkbox" value="spiking"' in page
    assert 'checked id="required-1"' not in page


def test_a_refresher_longer_than_a_module_is_refused_next_to_the_field(app):
    manager, venue = _venue(app)
    response = login_client(app, manager).post(f"/venues/{venue.id}/policy", data={
        "refresher_months": "13", "required": ["welcome", "spiking"], "starter_deadline_days": "7"})
    assert response.status_code == 400
    message = _field_error(response.get_data(as_text=True), "refresher_months")
    assert "Welcome to the programme is valid for 12 months" in message
    assert _stored(app, venue.id) == (None, None, None)


@pytest.mark.parametrize("data,field", [
    ({"starter_deadline_days": "-3", "required": ["welcome"]}, "starter_deadline_days"),
    ({"starter_deadline_days": "soon", "required": ["welcome"]}, "starter_deadline_days"),
    ({"refresher_months": "six", "required": ["welcome"]}, "refresher_months"),
])
def test_bad_numbers_are_refused(app, data, field):
    manager, venue = _venue(app)
    response = login_client(app, manager).post(f"/venues/{venue.id}/policy", data=data)
    assert response.status_code == 400
    assert _field_error(response.get_data(as_text=True), field)
    assert _stored(app, venue.id) == (None, None, None)


def test_no_module_ticked_is_refused(app):
    manager, venue = _venue(app)
    response = login_client(app, manager).post(f"/venues/{venue.id}/policy",
                                               data={"refresher_months": "6"})
    assert response.status_code == 400
    assert 'id="required-error"' in response.get_data(as_text=True)
    assert _stored(app, venue.id) == (None, None, None)


def test_a_valid_policy_is_saved_and_audited(app):
    manager, venue = _venue(app)
    response = login_client(app, manager).post(f"/venues/{venue.id}/policy", data={
        "refresher_months": "6", "required": ["welcome"], "starter_deadline_days": "14"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/venues/{venue.id}/training"
    assert _stored(app, venue.id) == (6, ["welcome"], 14)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "venue.policy_changed"))
        assert event.actor_id == manager.id and event.target_id == venue.id
        assert event.detail["before"] == {"refresher_months": None, "required_modules": None,
                                          "starter_deadline_days": None}
        assert event.detail["after"] == {"refresher_months": 6, "required_modules": ["welcome"],
                                         "starter_deadline_days": 14}


def test_the_matrix_follows_a_new_refresher(app):
    manager, venue = _venue(app)
    with app.app_context():
        today = site_today()
        person = MembershipFactory(venue=venue, user__name="Seven Months").user
        passed = add_months(today, -7)
        CompletionFactory(user_id=person.id, module_slug="welcome",
                          passed_at=datetime(passed.year, passed.month, passed.day, 12, tzinfo=UTC),
                          expires_on=add_months(passed, 12))
    client = login_client(app, manager)
    url = f"/venues/{venue.id}/training?module=welcome"

    def seven_months_cell() -> str:
        page = client.get(url).get_data(as_text=True)
        return page.split(">Seven Months</bdi></a></th>", 1)[1].split("</tr>", 1)[0]

    assert ">Passed</span>" in seven_months_cell()
    client.post(f"/venues/{venue.id}/policy", data={"refresher_months": "6",
                                                     "required": ["welcome", "spiking"]})
    assert ">Expired</span>" in seven_months_cell()
    assert add_months(passed, 6).strftime("%-d %b %Y") in seven_months_cell()
