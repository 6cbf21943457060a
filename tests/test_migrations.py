"""The migrations, applied to an empty database, give exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from training_portal.db import include_in_schema_comparison
from training_portal.extensions import db


def test_migrated_schema_matches_models(app):
    with app.app_context(), db.engine.connect() as connection:
        # PostgreSQL-only trigram indexes live in migrations only (see training_portal/db.py).
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": include_in_schema_comparison})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_upgrade_gives_existing_attempts_the_order_they_were_shown(make_app, tmp_path):
    """b5e2d7c4a816 fills ``attempts.shown`` from each attempt's own ``drawn`` (in batches),
    and the passes that refer to them are all still there (a table copied on SQLite would
    have deleted them: ON DELETE CASCADE)."""
    import json

    import sqlalchemy as sa
    from flask_migrate import upgrade

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.sqlite3'}")
    drawn = [{"question": "patterns", "choices": ["b", "a"], "kind": "single", "text": "Which?",
              "options": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B", "correct": False}]},
             {"question": "first-to-notice", "choices": ["true", "false"]}]
    with app.app_context():
        upgrade(revision="a3c9e1f7b254")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, name, email, is_trainer, is_admin, is_disabled, "
                "session_version, session_stamp, created_at) VALUES (1, 'Eve Early', "
                "'eve@example.org', 0, 0, 0, 1, 0, '2026-01-01 00:00:00.000000')"))
            for n in (1, 2):
                conn.execute(sa.text(
                    "INSERT INTO attempts (id, public_id, user_id, module_slug, module_version, "
                    "content_hash, drawn, started_at) VALUES (:n, :p, 1, :slug, '1.2', 'h', "
                    ":drawn, '2026-06-30 23:30:00.000000')"),
                    {"n": n, "p": f"p{n}", "slug": ("welcome", "spiking")[n - 1],
                     "drawn": json.dumps(drawn if n == 1 else [])})
            conn.execute(sa.text(
                "INSERT INTO completions (id, user_id, attempt_id, module_slug, module_title, "
                "module_version, content_hash, score, passed_at, expires_on) VALUES (1, 1, 1, "
                "'welcome', 'Welcome', '1.2', 'h', 100, '2026-06-30 23:30:00.000000', '2027-07-01')"))
        upgrade()
        with db.engine.connect() as conn:
            shown = dict(conn.execute(sa.text("SELECT id, shown FROM attempts")).all())
            completions = conn.execute(sa.text("SELECT count(*) FROM completions")).scalar()
        db.engine.dispose()
    assert {n: json.loads(value) for n, value in shown.items()} == {
        1: [["patterns", ["b", "a"]], ["first-to-notice", ["true", "false"]]], 2: []}
    assert completions == 1
