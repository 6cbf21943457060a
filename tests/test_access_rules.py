"""Every route must declare who may use it; a route without a rule fails this test."""

from __future__ import annotations

from training_portal.policy import Rule


def test_every_route_declares_an_access_rule(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if not isinstance(getattr(view, "access_rule", None), Rule):
            missing.append(f"{rule.rule} ({rule.endpoint})")
    assert missing == []


def test_public_routes_are_the_expected_ones(app):
    public = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              and app.view_functions[rule.endpoint].access_rule is Rule.PUBLIC}
    for path in ("/", "/healthz", "/join/<code>", "/login", "/register"):
        assert path in public
    assert not any(path.startswith("/venues") for path in public)
