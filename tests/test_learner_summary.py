"""learner_module_summary: kept in step by grading and revocation, equal to a rebuild from the raw rows,
no count lost to concurrent gradings; and the outcomes' answers picked in SQL as `outcomes.pick` picks them."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import login_client
from tests.factories import (
    AttemptFactory,
    CompletionFactory,
    ConfidenceRatingFactory,
    MembershipFactory,
    UserFactory,
    VenueFactory,
)
from tests.learning import module
from training_portal.certificates import services as certificates
from training_portal.extensions import db
from training_portal.learning import completions, learner_summary, status
from training_portal.learning.attempts import submit_attempt
from training_portal.learning.models import Attempt, Completion, ConfidenceRating, LearnerModuleSummary
from training_portal.learning.venue_policy import policy_of
from training_portal.reports import outcomes as oc
from training_portal.reports import stats
from training_portal.reports.programme import Filters, picked_ratings, programme_figures
from training_portal.timeutil import site_date, site_today
from training_portal.venues.models import Membership

BOTH = [{"question": "first-to-notice", "choices": ["true", "false"]},
        {"question": "patterns", "choices": ["a", "b"]}]
RIGHT = {"first-to-notice": ["true"], "patterns": ["a"]}
WRONG = {"first-to-notice": ["false"], "patterns": ["b"]}


def _start(app, user_id: int, started_at: datetime | None = None, **fields: object) -> Attempt:
    welcome = module(app, "welcome")
    return AttemptFactory(user_id=user_id, module_slug="welcome", module_version=welcome.version,
                          content_hash=welcome.content_hash, drawn=BOTH,
                          started_at=started_at or datetime.now(UTC), **fields)


def _grade(app, attempt: Attempt, right: bool) -> Attempt:
    """Through the real grading (and the certificate, as the quiz view does), committed."""
    assert submit_attempt(attempt, module(app, "welcome"), RIGHT if right else WRONG, date.today())
    assert attempt.passed is right
    certificates.issue_for(attempt)
    db.session.commit()
    return attempt


def _rows() -> list[tuple]:
    columns = [LearnerModuleSummary.user_id, LearnerModuleSummary.module_slug,
               *(getattr(LearnerModuleSummary, name) for name in learner_summary.FIGURES)]
    return [tuple(r) for r in db.session.execute(select(*columns).order_by(*columns[:2]))]


def _same_as_rebuild() -> list[tuple]:
    kept = _rows()
    learner_summary.rebuild()
    db.session.commit()
    assert _rows() == kept
    return kept


def test_grading_keeps_the_summary_equal_to_a_rebuild(app):
    with app.app_context():
        person, other = UserFactory(), UserFactory()
        base = datetime.now(UTC) - timedelta(hours=5)
        _grade(app, _start(app, person.id, base), right=False)
        (row,) = [r for r in _same_as_rebuild() if r[0] == person.id]
        assert row[2:7] == (1, base, False, None, None)  # one try, failed, no pass yet
        _grade(app, _start(app, person.id, base + timedelta(hours=1)), right=False)
        first_pass = _grade(app, _start(app, person.id, base + timedelta(hours=2)), right=True)
        _grade(app, _start(app, other.id, base), right=True)
        refresher = _grade(app, _start(app, person.id, base + timedelta(hours=3)), right=True)
        AttemptFactory(user_id=person.id, module_slug="welcome")  # started, never graded: not counted
        summary = db.session.get(LearnerModuleSummary, (person.id, "welcome"))
        assert (summary.attempts, summary.first_attempt_passed, summary.attempts_to_pass) == (4, False, 3)
        assert summary.first_pass_at == first_pass.started_at
        latest = db.session.scalar(select(Completion).where(Completion.attempt_id == refresher.id))
        assert (summary.latest_completion_id, summary.latest_revoked) == (latest.id, False)
        rows = _same_as_rebuild()
        assert [r[2:4] for r in rows] == [(4, base), (1, base)]
        assert db.session.get(LearnerModuleSummary, (other.id, "welcome")).attempts_to_pass == 1
        certificates.revoke(UserFactory(admin=True), certificates.issue_for(refresher), "issued in error")
        db.session.commit()
        assert _same_as_rebuild()[0][-1] is True  # latest_revoked


def test_a_revoked_latest_pass_is_kept_in_step_and_counts_for_nothing(app):
    with app.app_context():
        admin = UserFactory(admin=True)
        person = MembershipFactory(venue=VenueFactory(required_modules=["welcome"])).user
        attempt = _grade(app, _start(app, person.id), right=True)
        figures = programme_figures(app.extensions["catalog"].current.ordered,
                                    Filters(site_today() - timedelta(days=7), site_today()), site_today())
        assert figures.people_in_date == 1
        certificate = certificates.issue_for(attempt)
        certificates.revoke(admin, certificate, "issued in error")
        db.session.commit()
        assert db.session.get(LearnerModuleSummary, (person.id, "welcome")).latest_revoked is True
        _same_as_rebuild()
        figures = programme_figures(app.extensions["catalog"].current.ordered,
                                    Filters(site_today() - timedelta(days=7), site_today()), site_today())
        assert (figures.people, figures.people_in_date) == (1, 0)
        assert figures.first_attempts["welcome"].passed == 1  # the attempt itself still passed


def test_overview_figures_equal_a_count_from_the_raw_rows(app):
    """Random attempts, passes (some revoked) and policies: the summary-fed figures against the raw rows."""
    rng = random.Random(5)
    with app.app_context():
        today = site_today()
        catalog = app.extensions["catalog"].current.ordered
        venues = [VenueFactory(refresher_months=rng.choice([None, 1, 6]),
                               required_modules=rng.choice([None, ["welcome"]])) for _ in range(3)]
        people = []
        for n in range(15):
            user = MembershipFactory(venue=venues[n % 3]).user
            if n % 4 == 0:
                MembershipFactory(venue=venues[(n + 1) % 3], user=user)
            people.append(user.id)
        for user_id in people:
            for slug, version in (("welcome", "1.2"), ("spiking", "2.0")):
                at = datetime.now(UTC) - timedelta(days=rng.randint(1, 400))
                for _ in range(rng.randint(0, 4)):
                    at += timedelta(days=rng.randint(0, 30))
                    passed = rng.random() < 0.5
                    attempt = AttemptFactory(user_id=user_id, module_slug=slug, module_version=version,
                                             started_at=at, passed=passed, score=90 if passed else 10, graded_at=at)
                    if passed:
                        CompletionFactory(user_id=user_id, module_slug=slug, module_version=version,
                                          attempt_id=attempt.id, passed_at=at,
                                          expires_on=site_date(at) + timedelta(days=rng.choice([30, 365])),
                                          revoked_at=at if rng.random() < 0.2 else None)
        filters = Filters(today - timedelta(days=120), today)
        figures = programme_figures(catalog, filters, today)

        graded = [(a.user_id, a.module_slug, a.started_at, a.passed) for a in db.session.scalars(
            select(Attempt).where(Attempt.passed.is_not(None)).order_by(Attempt.started_at, Attempt.id))]
        in_range = lambda at: filters.date_from <= site_date(at) <= filters.date_to  # noqa: E731
        for module in figures.modules:
            mine = [a for a in graded if a[1] == module.slug]
            firsts, needed, tries = {}, {}, Counter()
            for user_id, _slug, at, passed in mine:  # in (started_at, id) order
                firsts.setdefault(user_id, (at, passed))
                tries[user_id] += 1
                if passed:
                    needed.setdefault(user_id, (at, tries[user_id]))
            counted = [f for f in firsts.values() if in_range(f[0])]
            expected = stats.FirstAttempts(sum(1 for f in counted if f[1]), len(counted), len(counted))
            assert figures.first_attempts[module.slug] == expected
            assert sorted(figures.attempts_to_pass[module.slug]) == sorted(n for at, n in needed.values() if in_range(at))

        modules = {m.slug: m for m in catalog if m.is_published}
        fully: dict[int, bool] = {}
        for membership in db.session.scalars(select(Membership).where(Membership.left_at.is_(None))):
            policy = policy_of(membership.venue)
            latest = completions.latest_completions(membership.user_id)
            ok = all(status.standing(m.major_version, completions.pass_facts(latest[m.slug]), True, today,
                                     policy.refreshers_for(m.slug)).in_date
                     if m.slug in latest else False for m in policy.required(modules.values()))
            fully[membership.user_id] = fully.get(membership.user_id, True) and ok
        assert (figures.people, figures.people_in_date) == (len(fully), sum(fully.values()))
        assert 0 < figures.people_in_date < figures.people


def test_an_attempt_graded_out_of_order_is_numbered_by_when_it_started(app):
    """Attempts are numbered by when they started, not by when their rows were written or graded
    (one open attempt at a time, so the row that started earlier is written second here)."""
    with app.app_context():
        person = UserFactory()
        base = datetime.now(UTC) - timedelta(hours=2)
        later = _start(app, person.id, base + timedelta(hours=1))
        _grade(app, later, right=False)
        earlier = _start(app, person.id, base)
        _grade(app, earlier, right=True)
        summary = db.session.get(LearnerModuleSummary, (person.id, "welcome"))
        assert (summary.attempts, summary.first_attempt_at, summary.first_attempt_passed,
                summary.attempts_to_pass) == (2, base, True, 1)
        _same_as_rebuild()


def test_refresh_command_rebuilds_the_table(app):
    with app.app_context():
        person = UserFactory()
        _grade(app, _start(app, person.id), right=False)
        _grade(app, _start(app, person.id), right=True)
        kept = _rows()
        db.session.execute(LearnerModuleSummary.__table__.delete())
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "refresh"])
    assert result.exit_code == 0 and "1 person × module row" in result.output
    with app.app_context():
        assert _rows() == kept


def _postgresql_only(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks between sessions: PostgreSQL (SQLite serialises every writer)")


def _in_threads(app, work, items) -> list[Exception]:
    start, errors = threading.Barrier(len(items)), []

    def run(item) -> None:
        with app.app_context():
            try:
                work(item, start)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 (reported by the caller)
                errors.append(exc)
                db.session.rollback()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_refreshes_lose_no_count(app):
    """Each session has graded its own attempt (not yet committed) when all refresh at once: the row
    lock makes each wait for the one before, then count what it committed, so the last sees all."""
    _postgresql_only(app)
    with app.app_context():
        person = UserFactory()
        # One open attempt at a time (uq_attempts_open): the rows start closed (abandoned) and each
        # session turns its own into a graded one, so six gradings of one row can still race here.
        ids = [_start(app, person.id, datetime.now(UTC) - timedelta(minutes=10 - i),
                      abandoned_at=datetime.now(UTC)).id for i in range(6)]

    def grade_then_refresh(attempt_id: int, start: threading.Barrier) -> None:
        db.session.execute(update(Attempt).where(Attempt.id == attempt_id)
                           .values(passed=attempt_id == ids[3], score=50, graded_at=datetime.now(UTC),
                                   abandoned_at=None))
        start.wait()  # every session holds an uncommitted grading
        learner_summary.refresh(person.id, "welcome")

    assert _in_threads(app, grade_then_refresh, ids) == []
    with app.app_context():
        summary = db.session.get(LearnerModuleSummary, (person.id, "welcome"))
        assert (summary.attempts, summary.first_attempt_passed, summary.attempts_to_pass) == (6, False, 4)
        _same_as_rebuild()


def test_concurrent_gradings_through_submit_lose_no_count(app):
    _postgresql_only(app)
    with app.app_context():
        # One open attempt per person and module, so eight people grade at once.
        people = [UserFactory().id for _ in range(8)]
        ids = [_start(app, people[i], datetime.now(UTC) - timedelta(minutes=20 - i)).id for i in range(8)]

    def grade(attempt_id: int, start: threading.Barrier) -> None:
        attempt = db.session.get(Attempt, attempt_id)
        start.wait()
        submit_attempt(attempt, module(app, "welcome"), RIGHT if attempt_id % 3 == 0 else WRONG, date.today())

    assert _in_threads(app, grade, ids) == []
    with app.app_context():
        rows = _same_as_rebuild()
        assert len(rows) == 8 and all(r[2] == 1 for r in rows)


# --- outcomes: the answers that count, picked in SQL --------------------------------------------

def test_picked_ratings_in_sql_equal_the_python_reference(app):
    rng = random.Random(11)
    with app.app_context():
        today = site_today()
        north = VenueFactory(area="North")
        users = [MembershipFactory(venue=north).user.id for _ in range(10)] + [UserFactory().id for _ in range(15)]
        minute = 0
        for user_id in users:
            for slug in ("welcome", "spiking"):
                for _ in range(rng.randint(0, 4)):
                    minute += 1
                    at = datetime.combine(today - timedelta(days=rng.randint(0, 60)), datetime.min.time(), UTC)
                    ConfidenceRatingFactory(user_id=user_id, module_slug=slug, stage=rng.choice(oc.STAGES),
                                            rating=rng.choice([1, 2, 3, 4, 5, None]),
                                            created_at=at + timedelta(minutes=minute))
        stored = [oc.RatingRow(r.user_id, r.module_slug, r.stage, r.rating, r.created_at)
                  for r in db.session.scalars(select(ConfidenceRating))]
        for filters in (Filters(today - timedelta(days=30), today), Filters(today - timedelta(days=90), today),
                        Filters(today - timedelta(days=90), today, "North")):
            in_range = [r for r in stored if filters.date_from <= site_date(r.created_at) <= filters.date_to
                        and (filters.area is None or r.user_id in users[:10])]
            expected = oc.pick(in_range)
            assert sorted(picked_ratings(filters)) == expected
            assert oc.outcomes_of(picked_ratings(filters)) == (oc.outcomes_by_module(in_range), oc.outcome(in_range))
        assert any(p.after_is_later for p in expected) and any(not p.asked_before for p in expected)


def test_outcomes_page_reads_grouped_answers(app):
    """Several answers per person and stage: the page shows one pair per person × module."""
    with app.app_context():
        now = datetime.now(UTC)
        admin = UserFactory(admin=True)
        for _ in range(5):
            user = UserFactory()
            for days, stage, rating in ((5, "before", 1), (4, "before", 3), (3, "after", None),
                                        (2, "after", 4), (1, "after", 5)):
                ConfidenceRatingFactory(user_id=user.id, stage=stage, rating=rating,
                                        created_at=now - timedelta(days=days))
    html = login_client(app, admin).get("/partnership/outcomes").get_data(as_text=True)
    assert "5 pairs of answers" in html and "4.00 points" in html
