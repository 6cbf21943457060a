"""A person's own pages and a venue's pages send the same SQL statements for a few rows as for
many (issue 11: My training, /my/certificates, the record PDF and the venue pages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import login_client
from tests.factories import (
    AttemptFactory,
    CertificateFactory,
    CompletionFactory,
    MembershipFactory,
    PageViewFactory,
    UserFactory,
    VenueFactory,
)
from tests.statement_count import statements_for
from training_portal.extensions import db

SLUGS = ("welcome", "spiking", "door-notes")


def _person_with_history(passes: int):  # type: ignore[no-untyped-def]
    """Someone who passed ``passes`` times (modules in turn, a month apart, so most passes are
    older ones), each with a certificate, a failed attempt and a page read; they work at one
    venue per four passes (managing the first)."""
    person = UserFactory()
    for i in range(max(1, passes // 4)):
        MembershipFactory(user=person, venue=VenueFactory(refresher_months=6), manager=i == 0)
    start = datetime.now(UTC) - timedelta(days=30 * passes)
    for i in range(passes):
        slug = SLUGS[i % len(SLUGS)]
        at = start + timedelta(days=30 * i)
        AttemptFactory(user_id=person.id, module_slug=slug, passed=False, score=10, graded_at=at)
        PageViewFactory(user_id=person.id, module_slug=slug, page_number=1 + i // len(SLUGS))
        CertificateFactory(completion=CompletionFactory(user_id=person.id, module_slug=slug,
                                                        passed_at=at))
    return person


@pytest.fixture
def few_and_many(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        few, many = _person_with_history(2), _person_with_history(20)
        db.session.commit()
        return few, many


@pytest.mark.parametrize("url", ["/my/training", "/my/certificates", "/my/record.pdf"])
def test_own_pages_do_not_grow_with_passes_and_certificates(app, few_and_many, url):
    few, many = few_and_many
    small = statements_for(app, login_client(app, few), url)
    large = statements_for(app, login_client(app, many), url)
    assert len(small) == len(large), (small, large)


def test_record_pdf_lists_every_current_certificate(app, few_and_many):
    """The cheaper query still finds each module's latest pass (here 3 modules, 20 passes)."""
    _few, many = few_and_many
    pdf = login_client(app, many).get("/my/record.pdf")
    assert pdf.status_code == 200
    with app.app_context():
        from training_portal.certificates import services
        from training_portal.timeutil import site_today

        current = services.current_certificates(many, site_today())
    assert sorted(c.completion.module_slug for c in current) == sorted(SLUGS)
    assert all(c.completion.user_id == many.id for c in current)


def _venue(app, members: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        owner = UserFactory()
        venue = VenueFactory(created_by=owner)
        MembershipFactory(user=owner, venue=venue, manager=True)
        for i in range(members):
            person = MembershipFactory(venue=venue).user
            CertificateFactory(completion=CompletionFactory(
                user_id=person.id, module_slug=SLUGS[i % len(SLUGS)]))
            PageViewFactory(user_id=person.id, module_slug="spiking", page_number=1)
        db.session.commit()
        return owner, venue


@pytest.mark.parametrize("path", ["/venues/{v}", "/venues/{v}/training"])
def test_venue_pages_do_not_grow_with_members(app, path):
    (small_owner, small), (large_owner, large) = _venue(app, 2), _venue(app, 20)
    few = statements_for(app, login_client(app, small_owner), path.format(v=small.id))
    many = statements_for(app, login_client(app, large_owner), path.format(v=large.id))
    assert len(few) == len(many), (few, many)


def test_my_training_builds_no_completion_objects(app, few_and_many):
    """20 passes over 3 modules: My training reads the latest pass per module as plain rows,
    never every past completion as an ORM object."""
    from sqlalchemy import event

    from training_portal.learning.models import Completion

    _few, many = few_and_many
    client = login_client(app, many)
    loaded: list[int] = []

    def on_load(target, _context):  # type: ignore[no-untyped-def]
        loaded.append(target.id)

    event.listen(Completion, "load", on_load)
    try:
        page = client.get("/my/training")
    finally:
        event.remove(Completion, "load", on_load)
    assert page.status_code == 200
    assert loaded == []
