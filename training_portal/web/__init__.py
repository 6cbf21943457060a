"""Everything served over HTTP: one blueprint a file, thin views; the rules live in the layers below."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from training_portal.web import main, menu
    from training_portal.web.accounts import bp as accounts_bp
    from training_portal.web.admin import bp as admin_bp
    from training_portal.web.certificates import bp as certificates_bp
    from training_portal.web.insights import bp as insights_bp
    from training_portal.web.inspections import bp as inspections_bp
    from training_portal.web.lessons import bp as modules_bp
    from training_portal.web.nudges import bp as nudges_bp
    from training_portal.web.partnership import bp as partnership_bp
    from training_portal.web.quizzes import bp as quizzes_bp
    from training_portal.web.trainer import bp as trainer_bp
    from training_portal.web.venue_training import bp as venue_training_bp
    from training_portal.web.venues import bp as venues_bp

    main.init_app(app)
    menu.init_app(app)
    for blueprint in (accounts_bp, venues_bp, modules_bp, quizzes_bp, certificates_bp,
                      trainer_bp, inspections_bp, insights_bp, admin_bp, venue_training_bp,
                      partnership_bp, nudges_bp):
        app.register_blueprint(blueprint)
