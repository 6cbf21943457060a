"""A manager's nudge: who may be nudged, once a week at most (even under two quick clicks),
managers of that venue only, and the matrix macro."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from tests.conftest import login_client, outbox
from tests.factories import CompletionFactory, MembershipFactory, UserFactory, VenueFactory
from training_portal.dashboards.models import Nudge
from training_portal.dashboards.venue import person_overview
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.notifications.models import QueuedMail
from training_portal.reminders import nudges
from training_portal.venues.models import Membership, Venue
from training_portal.web.venue_forms import ButtonForm

TODAY = date(2026, 11, 30)


def _setup(app, **venue_kw):
    """(manager, venue id, membership id of a never-started staff member named Sam)."""
    with app.app_context():
        manager = UserFactory(name="Morgan")
        venue = VenueFactory(created_by=manager, name="The Crown", **venue_kw)
        MembershipFactory(user=manager, venue=venue, manager=True)
        staff = MembershipFactory(venue=venue, user__name="Sam", user__email="sam@example.org")
        return manager, venue.id, staff.id


def _url(venue_id, membership_id):
    return f"/venues/{venue_id}/people/{membership_id}/nudge"


def _nudge_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Nudge))


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _row(app, venue_id, membership_id, today=TODAY):
    venue = db.session.get(Venue, venue_id)
    return person_overview(venue, db.session.get(Membership, membership_id),
                           app.extensions["catalog"].current.ordered, today)


def test_manager_nudges_a_never_started_person_and_one_mail_goes(app):
    manager, venue_id, membership_id = _setup(app, starter_deadline_days=14)
    client = login_client(app, manager)
    response = client.post(_url(venue_id, membership_id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/venues/{venue_id}/training")
    [mail] = outbox(app)
    assert mail["To"] == "sam@example.org"
    assert mail["Subject"] == "A reminder about your training for The Crown"
    body = mail.get_content()
    assert "Hello Sam" in body and "Morgan at The Crown" in body
    assert "- Welcome to the programme" in body
    assert "https://training.example.org/" in body
    assert "The Crown asks for it to be done by" in body  # the starter deadline, still ahead
    with app.app_context():
        nudge = db.session.scalar(select(Nudge))
        assert (nudge.venue_id, nudge.sent_by_id) == (venue_id, manager.id)
        assert db.session.scalar(select(QueuedMail.kind)) == "nudge"


def test_second_nudge_within_a_week_is_refused_then_allowed_after_seven_days(app):
    manager, venue_id, membership_id = _setup(app)
    client = login_client(app, manager)
    client.post(_url(venue_id, membership_id))
    page = client.post(_url(venue_id, membership_id), follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "You sent Sam a reminder on" in text and "You can send another from" in text
    assert len(outbox(app)) == 1 and _nudge_count(app) == 1
    with app.app_context():
        nudge = db.session.scalar(select(Nudge))
        nudge.sent_at = utcnow() - timedelta(days=7, minutes=1)
        db.session.commit()
    client.post(_url(venue_id, membership_id))
    assert len(outbox(app)) == 2 and _nudge_count(app) == 2


def test_two_quick_clicks_send_one_nudge(app):
    manager, venue_id, membership_id = _setup(app)
    barrier, outcomes = threading.Barrier(2), []

    def click() -> None:
        with app.app_context():
            venue = db.session.get(Venue, venue_id)
            membership = db.session.get(Membership, membership_id)
            actor = db.session.get(type(manager), manager.id)
            barrier.wait()
            try:
                nudges.nudge(actor, venue, membership)
                db.session.commit()
                outcomes.append("sent")
            except nudges.NudgeRefused:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "sent"]
    assert _nudge_count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QueuedMail)) == 1


@pytest.mark.parametrize("who", ["other_manager", "staff", "admin_of_nothing"])
def test_only_managers_of_that_venue_can_nudge(app, who):
    _manager, venue_id, membership_id = _setup(app)
    with app.app_context():
        if who == "other_manager":
            user = UserFactory()
            MembershipFactory(user=user, venue=VenueFactory(created_by=user), manager=True)
        elif who == "staff":
            user = MembershipFactory(venue=db.session.get(Venue, venue_id)).user
        else:
            user = UserFactory()
    response = login_client(app, user).post(_url(venue_id, membership_id))
    assert response.status_code == 404
    assert outbox(app) == [] and _nudge_count(app) == 0


def test_membership_of_another_venue_and_a_leaver_are_not_found(app):
    manager, venue_id, _membership_id = _setup(app)
    with app.app_context():
        elsewhere = MembershipFactory().id
        leaver = MembershipFactory(venue=db.session.get(Venue, venue_id), left=True).id
    client = login_client(app, manager)
    assert client.post(_url(venue_id, elsewhere)).status_code == 404
    assert client.post(_url(venue_id, leaver)).status_code == 404
    assert outbox(app) == [] and _nudge_count(app) == 0


def test_service_refuses_a_leaver_a_closed_account_and_someone_with_nothing_to_do(app):
    manager, venue_id, membership_id = _setup(app)
    with app.app_context():
        trained = MembershipFactory(venue=db.session.get(Venue, venue_id))
        for slug, version in (("welcome", "1.2"), ("spiking", "2.0")):
            CompletionFactory(user_id=trained.user_id, module_slug=slug, module_version=version,
                              passed_at=_at(TODAY - timedelta(days=10)),
                              expires_on=TODAY + timedelta(days=355))
        venue, actor = db.session.get(Venue, venue_id), db.session.get(type(manager), manager.id)
        with pytest.raises(nudges.NudgeRefused, match="nothing to catch up on"):
            nudges.nudge(actor, venue, trained, today=TODAY)
        db.session.rollback()
        leaver = db.session.get(Membership, membership_id)
        leaver.left_at = utcnow()
        db.session.commit()
        with pytest.raises(nudges.NudgeRefused, match="no longer works here"):
            nudges.nudge(actor, venue, leaver, today=TODAY)
        db.session.rollback()
        closed = MembershipFactory(venue=venue, user__is_disabled=True)
        with pytest.raises(nudges.NudgeRefused, match="account is closed"):
            nudges.nudge(actor, venue, closed, today=TODAY)


def test_who_can_be_nudged(app):
    """Not started, or overdue (lapsed pass, or past the starter deadline); not someone
    part-way through before any deadline, nor someone in date."""
    _manager, venue_id, _membership_id = _setup(app, required_modules=["welcome"],
                                                starter_deadline_days=14)
    with app.app_context():
        def person(joined: date, **completion):
            member = MembershipFactory(venue=db.session.get(Venue, venue_id), joined_at=_at(joined))
            if completion:
                CompletionFactory(user_id=member.user_id, module_slug="welcome", **completion)
            return _row(app, venue_id, member.id)

        from tests.factories import PageViewFactory

        expired = person(date(2025, 1, 1), passed_at=_at(date(2025, 1, 2)),
                         expires_on=date(2026, 1, 2))
        in_date = person(date(2025, 1, 1), passed_at=_at(date(2026, 6, 1)),
                         expires_on=date(2027, 6, 1))
        reading = MembershipFactory(venue=db.session.get(Venue, venue_id), joined_at=_at(date(2026, 11, 25)))
        PageViewFactory(user_id=reading.user_id, module_slug="welcome")
        late = MembershipFactory(venue=db.session.get(Venue, venue_id), joined_at=_at(date(2026, 11, 1)))
        PageViewFactory(user_id=late.user_id, module_slug="welcome")
        assert nudges.can_nudge(expired)
        assert not nudges.can_nudge(in_date)
        assert not nudges.can_nudge(_row(app, venue_id, reading.id))  # in progress, in time
        assert nudges.can_nudge(_row(app, venue_id, late.id))  # in progress, past deadline
        assert [c.module.slug for c in nudges.cells_to_do(expired)] == ["welcome"]


def test_macro_shows_the_button_then_when_the_reminder_went(app):
    manager, venue_id, membership_id = _setup(app)
    template = ('{% from "venues/_nudge.html" import nudge_button %}'
                '{{ nudge_button(venue, row, form, next="/venues/1?sort=status") }}')

    def render() -> str:
        with app.test_request_context(), app.app_context():
            return render_template_string(template, venue=db.session.get(Venue, venue_id),
                                          row=_row(app, venue_id, membership_id),
                                          form=ButtonForm())

    before = render()
    assert "Send a reminder to <bdi>Sam</bdi>" in before and _url(venue_id, membership_id) in before
    assert 'name="next" value="/venues/1?sort=status"' in before
    login_client(app, manager).post(_url(venue_id, membership_id))
    after = render()
    assert "Send a reminder" not in after
    assert "Reminder sent " in after and "you can send another from " in after
    with app.app_context():
        nudge = db.session.scalar(select(Nudge))
        nudge.sent_at = utcnow() - timedelta(days=8)
        db.session.commit()
    again = render()
    assert "Send a reminder to <bdi>Sam</bdi>" in again and "last sent " in again


def test_redirect_back_to_a_local_next_only(app):
    manager, venue_id, membership_id = _setup(app)
    client = login_client(app, manager)
    response = client.post(_url(venue_id, membership_id),
                           data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/venues/{venue_id}/training")
