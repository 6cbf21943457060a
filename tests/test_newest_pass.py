"""Two passes of one module: the newest one counts, everywhere.

Status on My training, prerequisites for the next quiz and the list of current certificates
all read a person's newest pass. Each test records the newer pass first (a lower id) and the
older one second, so neither "first row" nor "highest id" can stand in for "newest".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.conftest import login_client
from tests.factories import CertificateFactory, CompletionFactory, UserFactory
from tests.learning import module
from tests.pdfs import text_of
from training_portal.certificates import services as certificates
from training_portal.certificates.codes import format_code
from training_portal.learning import reading
from training_portal.learning.attempts import missing_prerequisites, quiz_gate
from training_portal.learning.completions import latest_completions
from training_portal.learning.progress import training_progress
from training_portal.learning.status import Refresher

NEW_PASSED_AT = datetime(2026, 2, 2, 12, 0, tzinfo=UTC)
OLD_PASSED_AT = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
TODAY = date(2026, 3, 1)


def _two_passes(app, *, new_expires: date = date(2027, 2, 2), old_expires: date = date(2026, 1, 10),
                old_version: str = "1.2", new_version: str = "1.2"):
    """A person with a newer pass of "welcome" (recorded first) and an older one (recorded second)."""
    with app.app_context():
        user = UserFactory()
        new = CertificateFactory(completion=CompletionFactory(
            user_id=user.id, module_slug="welcome", module_version=new_version,
            passed_at=NEW_PASSED_AT, expires_on=new_expires))
        old = CertificateFactory(completion=CompletionFactory(
            user_id=user.id, module_slug="welcome", module_version=old_version,
            passed_at=OLD_PASSED_AT, expires_on=old_expires))
        return user, new, old


# --- services, at a fixed date -----------------------------------------------------------

def test_latest_completion_is_the_newest_pass(app):
    user, new, _old = _two_passes(app)
    with app.app_context():
        assert latest_completions(user.id)["welcome"].id == new.completion_id
        assert latest_completions(user.id, ["welcome"])["welcome"].id == new.completion_id
        assert latest_completions(user.id, ["spiking"]) == {}


def test_status_reads_the_newest_pass(app):
    user, new, _old = _two_passes(app)  # the older pass expired on 10 Jan 2026
    with app.app_context():
        rows = {row.module.slug: row for row in training_progress(
            user.id, app.extensions["catalog"].current.published(), TODAY)}
        welcome = rows["welcome"]
        assert welcome.state == "passed" and welcome.standing.valid_until == date(2027, 2, 2)
        assert welcome.completion.id == new.completion_id
        assert rows["spiking"].do_first == ()


def test_an_expired_newest_pass_is_not_rescued_by_an_older_one(app):
    # The older pass (an earlier sitting with a longer period) would still be in date.
    user, _new, _old = _two_passes(app, new_expires=date(2026, 2, 20), old_expires=date(2026, 12, 31))
    with app.app_context():
        rows = {row.module.slug: row for row in training_progress(
            user.id, app.extensions["catalog"].current.published(), TODAY)}
        assert rows["welcome"].state == "expired"
        assert [m.slug for m in rows["spiking"].do_first] == ["welcome"]
        modules = app.extensions["catalog"].current.modules
        assert missing_prerequisites(user.id, module(app, "spiking"), modules, TODAY) == ("welcome",)


def test_prerequisite_is_met_by_the_newest_pass(app):
    user, _new, _old = _two_passes(app)
    with app.app_context():
        modules = app.extensions["catalog"].current.modules
        spiking = module(app, "spiking")
        assert missing_prerequisites(user.id, spiking, modules, TODAY) == ()
        for number in (1, 2):  # the quiz opens once the lesson is read
            reading.record_page_view(user.id, "spiking", number)
        assert quiz_gate(user.id, spiking, modules, TODAY, 0).allowed


def test_prerequisite_needs_an_in_date_pass_on_the_day(app):
    user, _new, _old = _two_passes(app)  # the newest pass is in date up to 2 Feb 2027
    with app.app_context():
        modules = app.extensions["catalog"].current.modules
        spiking = module(app, "spiking")
        assert missing_prerequisites(user.id, spiking, modules, date(2027, 2, 2)) == ()
        assert missing_prerequisites(user.id, spiking, modules, date(2027, 2, 3)) == ("welcome",)
        assert not quiz_gate(user.id, spiking, modules, date(2027, 2, 3), 0).allowed


def test_current_certificates_list_the_newest_pass_of_each_module(app):
    user, new, _old = _two_passes(app, old_expires=date(2026, 12, 31))  # both in date
    with app.app_context():
        current = certificates.current_certificates(user, TODAY)
        assert [c.id for c in current] == [new.id]
        assert [c.id for c in certificates.certificates_of(user)][0] == new.id


# --- the same through the pages ----------------------------------------------------------

def test_my_training_and_the_next_quiz_follow_the_newest_pass(app):
    today = date.today()
    with app.app_context():
        user = UserFactory()
        CompletionFactory(user_id=user.id, module_slug="welcome",
                          passed_at=datetime.now(UTC) - timedelta(days=2),
                          expires_on=today + timedelta(days=363))
        CompletionFactory(user_id=user.id, module_slug="welcome",
                          passed_at=datetime.now(UTC) - timedelta(days=800),
                          expires_on=today - timedelta(days=435))
    client = login_client(app, user)
    page = client.get("/").get_data(as_text=True)
    assert "Expired" not in page and "Pass this first" not in page
    quiz = client.get("/modules/spiking/quiz").get_data(as_text=True)
    assert "Finish the modules this one builds on first" not in quiz


def test_training_record_pdf_shows_the_newest_certificate_only(app):
    today = date.today()
    with app.app_context():
        user = UserFactory()
        new = CertificateFactory(completion=CompletionFactory(
            user_id=user.id, module_slug="welcome", module_version="1.2",
            passed_at=datetime.now(UTC) - timedelta(days=2), expires_on=today + timedelta(days=363)))
        old = CertificateFactory(completion=CompletionFactory(
            user_id=user.id, module_slug="welcome", module_version="1.1",
            passed_at=datetime.now(UTC) - timedelta(days=300), expires_on=today + timedelta(days=65)))
    text = text_of(login_client(app, user).get("/my/record.pdf").data)
    assert format_code(new.code) in text
    assert format_code(old.code) not in text


def test_both_passes_stay_on_the_list_of_certificates(app):
    user, new, old = _two_passes(app)
    with app.app_context():
        assert {c.id for c in certificates.certificates_of(user)} == {new.id, old.id}


def test_a_venue_refresher_counts_from_the_site_date_of_the_newest_pass(app):
    user, _new, _old = _two_passes(app)  # newest passed 2 Feb 2026, in date by the module to 2027
    with app.app_context():
        rows = {row.module.slug: row for row in training_progress(
            user.id, app.extensions["catalog"].current.published(), TODAY,
            {"welcome": (Refresher(3, "The Crown"),)})}
        welcome = rows["welcome"].standing
        assert (welcome.state, welcome.valid_until, welcome.set_by) == (
            "passed", date(2026, 5, 2), "The Crown")
