"""The garbage collector is paused only while a large page is built, and always resumed."""

from __future__ import annotations

import gc

import pytest

from tests.conftest import login_client
from tests.factories import MembershipFactory, UserFactory, VenueFactory
from training_portal.collector import collector_paused
from training_portal.venues.models import ROLE_MANAGER


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_resumed_after(collector_on):
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resumed_after_an_error(collector_on):
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the page failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_on):
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_the_venue_matrix_is_built_with_the_collector_paused(app, collector_on, monkeypatch):
    seen: list[bool] = []
    import training_portal.web.venue_training as view

    real = view.venue_overview

    def watching(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(view, "venue_overview", watching)
    with app.app_context():
        venue = VenueFactory()
        manager = UserFactory()
        MembershipFactory(user=manager, venue=venue, role=ROLE_MANAGER)
        venue_id = venue.id
    client = login_client(app, manager)
    assert client.get(f"/venues/{venue_id}/training").status_code == 200
    assert seen == [False]
    assert gc.isenabled()
