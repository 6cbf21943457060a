"""``flask reminders send``: expiry reminders (boundaries, strictest date, once per date),
weekly digests (right manager, once per ISO week), overlapping runs and the dry run."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, func, insert, select

from tests.factories import CompletionFactory, MembershipFactory, UserFactory, VenueFactory
from training_portal.accounts.models import User
from training_portal.extensions import db
from training_portal.notifications.models import QueuedMail
from training_portal.notifications.outbox import Outgoing, queue_mails
from training_portal.reminders import plan, services
from training_portal.reminders.models import ReminderSent

TODAY = "2026-11-30"  # a Monday, ISO week 2026-W49


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _run(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--today", TODAY, *args])
    assert result.exit_code == 0, result.output
    return result.output


def _mails(app, kind: str) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(m.to_address, m.subject, m.body) for m in db.session.scalars(
            select(QueuedMail).where(QueuedMail.kind == kind).order_by(QueuedMail.id))]


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _holder(venue, email, expires_on, passed_on=date(2026, 1, 1), slug="welcome", **member):
    """A current member who passed ``slug`` on ``passed_on``, in date until ``expires_on``."""
    membership = MembershipFactory(venue=venue, user__email=email, user__name=email.split("@")[0],
                                   joined_at=_at(date(2025, 1, 1)), **member)
    CompletionFactory(user_id=membership.user_id, module_slug=slug,
                      module_version="2.0" if slug == "spiking" else "1.2",
                      passed_at=_at(passed_on), expires_on=expires_on)
    return membership


def test_expiry_within_the_window_is_reminded_and_the_boundary_is_inclusive(app):
    with app.app_context():
        venue = VenueFactory()
        _holder(venue, "last-day@example.org", date(2026, 12, 30))
        _holder(venue, "outside@example.org", date(2026, 12, 31))
        _holder(venue, "today@example.org", date(2026, 11, 30))
        _holder(venue, "expired@example.org", date(2026, 11, 29))
    output = _run(app)
    assert output.strip().endswith("2 expiry reminders, 0 digests queued")
    mails = _mails(app, "reminder")
    assert sorted(to for to, _s, _b in mails) == ["last-day@example.org", "today@example.org"]
    to, subject, body = next(m for m in mails if m[0] == "last-day@example.org")
    assert subject == "Your training needs a refresher soon"
    assert "Hello last-day" in body
    assert "- Welcome to the programme: in date until 30 December 2026" in body
    assert "https://training.example.org/" in body


def test_days_option_and_setting_change_the_window(make_app):
    app = make_app(REMINDER_DAYS=10)
    with app.app_context():
        venue = VenueFactory()
        _holder(venue, "soon@example.org", date(2026, 12, 10))
        _holder(venue, "later@example.org", date(2026, 12, 11))
    _run(app, "--dry-run")  # default from REMINDER_DAYS: 30 Nov + 10 = 10 Dec
    assert "soon@example.org" in _run(app, "--dry-run")
    assert "later@example.org" not in _run(app, "--dry-run")
    assert "later@example.org" in _run(app, "--dry-run", "--days", "11")


def test_the_same_expiry_is_never_reminded_twice_but_a_new_pass_is(app):
    with app.app_context():
        venue = VenueFactory()
        member = _holder(venue, "sam@example.org", date(2026, 12, 20))
        user_id = member.user_id
    _run(app)
    assert _run(app).strip().endswith("0 expiry reminders, 0 digests queued")
    assert _run(app, "--today", "2026-12-05").count("0 expiry reminders") == 1
    assert len(_mails(app, "reminder")) == 1
    with app.app_context():  # a refresher taken early: a new date, reminded in its own time
        CompletionFactory(user_id=user_id, module_slug="welcome", passed_at=_at(date(2026, 12, 1)),
                          expires_on=date(2026, 12, 28))
    _run(app, "--today", "2026-12-02")
    assert len(_mails(app, "reminder")) == 2


def test_dry_run_prints_what_it_would_send_and_writes_nothing(app):
    with app.app_context():
        venue = VenueFactory(starter_deadline_days=14)
        manager = MembershipFactory(venue=venue, manager=True, user__email="boss@example.org",
                                    joined_at=_at(date(2026, 11, 29)))
        venue.created_by_id = manager.user_id
        _holder(venue, "sam@example.org", date(2026, 12, 20))
    output = _run(app, "--dry-run")
    lines = output.strip().splitlines()
    assert "sam@example.org\treminder\tYour training needs a refresher soon" in lines
    assert any(line.startswith("boss@example.org\tdigest\t") for line in lines)
    assert lines[-1] == "1 expiry reminders, 1 digests (dry run)"
    assert _count(app, QueuedMail) == 0 and _count(app, ReminderSent) == 0
    _run(app)
    assert _run(app, "--dry-run").strip() == "0 expiry reminders, 0 digests (dry run)"


def test_a_person_in_two_venues_gets_one_reminder_naming_the_stricter_date(app):
    with app.app_context():
        strict = VenueFactory(name="The Anchor", refresher_months=6)
        relaxed = VenueFactory(name="The Bell")
        member = _holder(relaxed, "sam@example.org", date(2027, 6, 15),
                         passed_on=date(2026, 6, 15))
        MembershipFactory(venue=strict, user=member.user)
        _holder(relaxed, "bell-only@example.org", date(2027, 6, 15), passed_on=date(2026, 6, 15))
    _run(app)
    [(to, _subject, body)] = _mails(app, "reminder")
    assert to == "sam@example.org"
    assert "in date until 15 December 2026 (The Anchor's rule)" in body
    assert "2027" not in body


def test_a_pass_out_of_date_at_one_venue_is_not_reminded(app):
    """The strictest date has passed (expired at the stricter venue): the digest covers it."""
    with app.app_context():
        strict = VenueFactory(refresher_months=3)
        member = _holder(VenueFactory(), "sam@example.org", date(2026, 12, 20),
                         passed_on=date(2025, 12, 20))
        MembershipFactory(venue=strict, user=member.user)
    _run(app)
    assert _mails(app, "reminder") == []


def test_leavers_and_disabled_accounts_get_nothing(app):
    with app.app_context():
        venue = VenueFactory(starter_deadline_days=7)
        _holder(venue, "left@example.org", date(2026, 12, 20), left=True)
        _holder(venue, "disabled@example.org", date(2026, 12, 20), user__is_disabled=True)
        _holder(venue, "boss@example.org", date(2026, 12, 20), role="manager",
                user__is_disabled=True)
        _holder(venue, "sam@example.org", date(2026, 12, 20))
    _run(app)
    assert [to for to, _s, _b in _mails(app, "reminder")] == ["sam@example.org"]
    assert _mails(app, "digest") == []  # the only manager's account is disabled


def _digest_venue(name, manager_emails, people):
    """Staff here must hold "welcome" within 14 days of joining; managers are in date."""
    venue = VenueFactory(name=name, starter_deadline_days=14, required_modules=["welcome"])
    for email in manager_emails:
        _holder(venue, email, date(2027, 11, 1), role="manager")
    for person in people:
        person(venue)
    return venue


def test_weekly_digest_lists_people_to_each_manager_of_that_venue_only(app):
    with app.app_context():
        _digest_venue("The Anchor", ["ann@example.org", "al@example.org"], [
            lambda v: _holder(v, "due@example.org", date(2026, 12, 20)),
            lambda v: _holder(v, "lapsed@example.org", date(2026, 10, 3)),
            lambda v: MembershipFactory(venue=v, user__name="Newbie",
                                        joined_at=_at(date(2026, 11, 1))),
            lambda v: MembershipFactory(venue=v, user__name="Fresh",
                                        joined_at=_at(date(2026, 11, 25))),
        ])
        _digest_venue("The Bell", ["bea@example.org"], [
            lambda v: _holder(v, "bellperson@example.org", date(2026, 9, 1))])
        _digest_venue("The Quiet", ["quinn@example.org"], [])
    assert _run(app).strip().endswith("3 digests queued")
    digests = {to: (subject, body) for to, subject, body in _mails(app, "digest")}
    assert sorted(digests) == ["al@example.org", "ann@example.org", "bea@example.org"]
    subject, body = digests["ann@example.org"]
    assert subject == "Training this week at The Anchor"
    assert "Hello ann" in body
    assert "3 of 6 staff are in date on every required module." in body
    assert "Overdue (a pass has run out or needs the new version) (1):\n- lapsed:" in body
    assert "- lapsed: Welcome to the programme: Expired (3 October 2026)\n" in body
    assert "New starters past the starter deadline (1):\n- Newbie:" in body
    assert "deadline was 15 November 2026" in body
    assert "Due within 30 days (1):\n- due: Welcome to the programme: Due within 30 days " \
           "(20 December 2026)" in body
    assert "Fresh" not in body and "bellperson" not in body
    assert "bellperson" in digests["bea@example.org"][1]
    assert "lapsed" not in digests["bea@example.org"][1]
    assert "https://training.example.org/venues/" in body


def test_digest_goes_once_per_iso_week_whichever_day_the_command_runs(app):
    with app.app_context():
        _digest_venue("The Anchor", ["ann@example.org"], [
            lambda v: _holder(v, "lapsed@example.org", date(2026, 10, 3))])
    _run(app)
    _run(app, "--today", "2026-12-03")
    _run(app, "--today", "2026-12-06")  # Sunday: still week 49
    assert len(_mails(app, "digest")) == 1
    _run(app, "--today", "2026-12-07")  # Monday: week 50
    assert len(_mails(app, "digest")) == 2
    with app.app_context():
        keys = sorted(db.session.scalars(select(ReminderSent.key)
                                         .where(ReminderSent.kind == "digest")))
    assert [k.rsplit(":", 1)[1] for k in keys] == ["2026-W49", "2026-W50"]


def test_two_overlapping_runs_queue_each_mail_once(app):
    with app.app_context():
        _digest_venue("The Anchor", ["ann@example.org"], [
            lambda v, n=n: _holder(v, f"p{n}@example.org", date(2026, 12, 20))
            for n in range(5)])
    barrier, summaries = threading.Barrier(2), []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            summaries.append(services.send_reminders(date(2026, 11, 30), 30))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(s.expiry_reminders for s in summaries) == 5
    assert sum(s.digests for s in summaries) == 1
    assert len(_mails(app, "reminder")) == 5 and len(_mails(app, "digest")) == 1


def test_a_key_claimed_by_another_run_in_the_meantime_is_skipped(app, monkeypatch):
    """The race, step by step: another run commits the claim after this run has planned."""
    with app.app_context():
        member = _holder(VenueFactory(), "sam@example.org", date(2026, 12, 20))
        user_id = member.user_id
    real_claim = services.claim

    def claim_after_the_other_run(keys):
        assert keys, "the batch lookup found the key unsent, so the run tries to claim it"
        with db.engine.begin() as other_run:
            other_run.execute(insert(ReminderSent), [
                {"kind": kind, "user_id": who, "key": key, "sent_at": _at(date(2026, 11, 30))}
                for kind, who, key in keys])
        return real_claim(keys)

    monkeypatch.setattr(services, "claim", claim_after_the_other_run)
    assert _run(app).strip().endswith("0 expiry reminders, 0 digests queued")
    assert _mails(app, "reminder") == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReminderSent)
                                 .where(ReminderSent.user_id == user_id)) == 1


def test_rules_within_and_iso_week():
    assert plan.within(date(2026, 12, 30), date(2026, 11, 30), 30)
    assert not plan.within(date(2026, 12, 31), date(2026, 11, 30), 30)
    assert plan.within(date(2026, 11, 30), date(2026, 11, 30), 30)
    assert not plan.within(date(2026, 11, 29), date(2026, 11, 30), 30)
    assert plan.iso_week(date(2027, 1, 1)) == "2026-W53"
    assert plan.iso_week(date(2026, 12, 7)) == "2026-W50"


def test_venues_without_current_staff_are_skipped(app):
    with app.app_context():
        venue = VenueFactory()
        _holder(venue, "left@example.org", date(2026, 12, 20), left=True)
        UserFactory()
    assert _run(app).strip() == "0 expiry reminders, 0 digests queued"


def _statements(app, run) -> list[str]:
    """The SQL statements ``run()`` sends, lower case."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement.lower())

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            run()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    return seen


def _writes(statements: list[str], table: str) -> int:
    return sum(s.startswith(f"insert into {table}") for s in statements)


def test_claims_and_mails_go_one_statement_a_batch_and_dry_or_second_runs_write_nothing(app):
    with app.app_context():
        venue = VenueFactory()
        for n in range(12):
            _holder(venue, f"p{n}@example.org", date(2026, 12, 20))
    dry = _statements(app, lambda: services.send_reminders(date(2026, 11, 30), 30, dry_run=True))
    assert not [s for s in dry if s.split(None, 1)[0] in ("insert", "update", "delete")]
    first = _statements(app, lambda: services.send_reminders(date(2026, 11, 30), 30))
    assert len(_mails(app, "reminder")) == 12
    assert _writes(first, "reminders_sent") == 1 and _writes(first, "mail_queue") == 1
    second = _statements(app, lambda: services.send_reminders(date(2026, 11, 30), 30))
    assert _writes(second, "reminders_sent") == 0 and _writes(second, "mail_queue") == 0
    assert len(_mails(app, "reminder")) == 12


def test_every_mail_is_queued_once_across_batches(app, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 3)
    with app.app_context():
        _digest_venue("The Anchor", ["ann@example.org", "al@example.org"], [
            lambda v, n=n: _holder(v, f"p{n}@example.org", date(2026, 12, 20))
            for n in range(7)])
    assert _run(app).strip().endswith("7 expiry reminders, 2 digests queued")
    assert sorted(to for to, _s, _b in _mails(app, "reminder")) == sorted(
        f"p{n}@example.org" for n in range(7))
    assert len(_mails(app, "digest")) == 2
    assert _run(app).strip().endswith("0 expiry reminders, 0 digests queued")
    assert _count(app, ReminderSent) == 9 and _count(app, QueuedMail) == 9


def test_a_failure_mid_batch_leaves_earlier_batches_whole_and_its_own_unwritten(app, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 2)
    with app.app_context():
        venue = VenueFactory()
        for n in range(5):
            _holder(venue, f"p{n}@example.org", date(2026, 12, 20))
    real_message = services.expiry_message
    written: list[str] = []

    def fail_on_the_fourth(name, items):
        if len(written) == 3:
            raise RuntimeError("the mail server template broke")
        written.append(name)
        return real_message(name, items)

    monkeypatch.setattr(services, "expiry_message", fail_on_the_fourth)
    with app.app_context(), pytest.raises(RuntimeError):
        services.send_reminders(date(2026, 11, 30), 30)
    assert _count(app, ReminderSent) == 2 and len(_mails(app, "reminder")) == 2
    with app.app_context():
        claimed = set(db.session.scalars(select(ReminderSent.user_id)))
        mailed = {to for to, _s, _b in _mails(app, "reminder")}
        assert {f"p{n}@example.org" for n in range(5)
                if db.session.scalar(select(User.id).where(User.email == f"p{n}@example.org"))
                in claimed} == mailed
    monkeypatch.setattr(services, "expiry_message", real_message)
    assert _run(app).strip().endswith("3 expiry reminders, 0 digests queued")
    assert len(_mails(app, "reminder")) == 5


def test_a_mail_names_only_the_keys_this_run_claimed(app):
    with app.app_context():
        venue = VenueFactory()
        member = _holder(venue, "sam@example.org", date(2026, 12, 20))
        CompletionFactory(user_id=member.user_id, module_slug="spiking", module_version="2.0",
                          passed_at=_at(date(2026, 1, 1)), expires_on=date(2026, 12, 24))
        db.session.add(ReminderSent(kind="expiry", user_id=member.user_id,
                                    key="expiry:welcome:2026-12-20"))
        db.session.commit()
    _run(app)
    [(_to, _subject, body)] = _mails(app, "reminder")
    assert "24 December 2026" in body and "20 December 2026" not in body


def test_queue_mails_adds_rows_in_the_callers_transaction(app):
    with app.app_context():
        ids = queue_mails([Outgoing("a@example.org", "One", "body 1", "reminder"),
                           Outgoing("b@example.org", "Two", "body 2", "digest")])
        rows = [(m.to_address, m.subject, m.body, m.kind) for m in db.session.scalars(
            select(QueuedMail).order_by(QueuedMail.id))]
        assert rows == [("a@example.org", "One", "body 1", "reminder"),
                        ("b@example.org", "Two", "body 2", "digest")]
        assert sorted(ids) == list(db.session.scalars(select(QueuedMail.id)
                                                      .order_by(QueuedMail.id)))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(QueuedMail)) == 0
        with pytest.raises(ValueError):
            queue_mails([Outgoing("a@example.org", "One", "body", "no-such-kind")])
