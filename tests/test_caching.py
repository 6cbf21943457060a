"""Personal pages are never cached: every GET route for a signed-in person, from the route map."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import login_client
from tests.factories import CertificateFactory, MembershipFactory, UserFactory, VenueFactory
from training_portal.extensions import db
from training_portal.policy import Rule

PERSONAL_RULES = (Rule.SIGNED_IN, Rule.OBJECT, Rule.TRAINER, Rule.ADMIN)


def _personal_get_routes(app: Flask) -> list[str]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or ()):
            continue
        if app.view_functions[rule.endpoint].access_rule in PERSONAL_RULES:
            routes.append(rule.rule)
    return sorted(routes)


@pytest.fixture
def signed_in(app: Flask) -> tuple[Any, dict[str, str]]:
    """An admin and trainer who manages a venue with one staff member, and holds a certificate."""
    with app.app_context():
        person = UserFactory(admin=True, trainer=True)
        venue = VenueFactory(created_by=person)
        MembershipFactory(user=person, venue=venue, manager=True)
        staff = MembershipFactory(venue=venue)
        certificate = CertificateFactory(completion__user_id=person.id)
        db.session.commit()
        values = {"venue_id": str(venue.id), "membership_id": str(staff.id),
                  "certificate_id": str(certificate.id), "user_id": str(staff.user_id),
                  "slug": "welcome", "number": "1", "public_id": "none-such",
                  "invitation_id": "1", "link_id": "1", "token": "x", "filename": "x.png"}
    return login_client(app, person), values


def _fill(rule: str, values: dict[str, str]) -> str:
    path = rule
    for name, value in values.items():
        for converter in ("", "int:"):
            path = path.replace(f"<{converter}{name}>", value)
    assert "<" not in path, f"no value for a part of {rule}"
    return path


def test_the_route_list_covers_pages_and_exports(app: Flask) -> None:
    routes = _personal_get_routes(app)
    for expected in ("/my/training", "/account", "/venues/<int:venue_id>/register.csv",
                     "/my/record.pdf", "/partnership/overview.csv", "/trainer/"):
        assert expected in routes
    assert len(routes) > 30


def test_every_personal_page_and_export_is_no_store(app: Flask, signed_in: Any) -> None:
    client, values = signed_in
    cached = []
    answered = {}
    for rule in _personal_get_routes(app):
        response = client.get(_fill(rule, values))
        answered[rule] = response.status_code
        if "no-store" not in response.headers.get("Cache-Control", ""):
            cached.append(f"{rule} ({response.status_code}, {response.headers.get('Cache-Control')})")
    assert cached == []
    assert sum(code == 200 for code in answered.values()) > 25, answered  # real pages, not just 404s


def test_the_home_page_for_a_signed_in_person_is_no_store(app: Flask, signed_in: Any) -> None:
    client, _ = signed_in
    for path in ("/", "/login", "/verify"):
        assert "no-store" in client.get(path, follow_redirects=True).headers["Cache-Control"], path


def test_public_pages_and_static_files_stay_cacheable(app: Flask, signed_in: Any) -> None:
    client, _ = signed_in
    static = client.get("/static/site.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")
    image = client.get("/modules/welcome/images/bar.png")
    assert image.status_code == 200 and image.headers["Cache-Control"] == "public, max-age=86400"
    anonymous = app.test_client()
    assert "no-store" not in anonymous.get("/").headers.get("Cache-Control", "")


def test_production_sends_hsts(make_app: Any) -> None:
    app = make_app(PORTAL_ENV="production", SESSION_COOKIE_SECURE=False)
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_development_sends_no_hsts(client: Any) -> None:
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
