"""certificates state facts as issued; reissue (replaced)

Issue 9, item 1: a certificate stores what it prints (holder name, module title and version,
pass date, valid-until date) when it is issued, so a later name change alters nothing issued.
Existing certificates are backfilled from their completion and the holder's name today (the
best record there is). A pass may now have several certificates over time (an admin reissues
with a corrected name); at most one is current (``replaced_at IS NULL``): the unique
constraint on ``completion_id`` becomes a partial unique index. On PostgreSQL a pg_trgm index
serves the admin search on the printed name (``*_trgm``: not declared on the model).

Revision ID: c1a7e5d20f31
Revises: 5c1f3e8a7b42
Create Date: 2026-12-10 10:00:00.000000

"""
import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import training_portal.db

# revision identifiers, used by Alembic.
revision = 'c1a7e5d20f31'
down_revision = '5c1f3e8a7b42'
branch_labels = None
depends_on = None


def _site_zone() -> ZoneInfo:
    try:
        from flask import current_app
        return ZoneInfo(current_app.config["SITE_TIMEZONE"])
    except (ImportError, RuntimeError, KeyError):
        return ZoneInfo(os.environ.get("SITE_TIMEZONE", "Europe/London"))


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('module_title', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('module_version', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('passed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('expires_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('replaced_at', training_portal.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reissue_reason', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificates_replaced_by_id_certificates'),
                                    'certificates', ['replaced_by_id'], ['id'], ondelete='SET NULL')

    # Backfill: the facts as they read today (the name is the holder's current name).
    bind = op.get_bind()
    zone = _site_zone()
    rows = bind.execute(sa.text(
        "SELECT certificates.id, users.name, completions.module_title, completions.module_version, "
        "completions.passed_at, completions.expires_on FROM certificates "
        "JOIN completions ON completions.id = certificates.completion_id "
        "JOIN users ON users.id = completions.user_id")).all()
    update = sa.text(
        "UPDATE certificates SET holder_name = :name, module_title = :title, "
        "module_version = :version, passed_on = :passed_on, expires_on = :expires_on "
        "WHERE id = :id").bindparams(sa.bindparam("passed_on", type_=sa.Date()),
                                     sa.bindparam("expires_on", type_=sa.Date()))
    for cid, name, title, version, passed_at, expires_on in rows:
        if isinstance(passed_at, str):  # SQLite returns text
            passed_at = datetime.fromisoformat(passed_at)
        if passed_at.tzinfo is None:
            passed_at = passed_at.replace(tzinfo=UTC)
        if isinstance(expires_on, str):
            expires_on = datetime.fromisoformat(expires_on).date()
        bind.execute(update, {"id": cid, "name": name, "title": title, "version": version,
                              "passed_on": passed_at.astimezone(zone).date(),
                              "expires_on": expires_on})

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        for column, type_ in (('holder_name', sa.String(length=120)),
                              ('module_title', sa.String(length=200)),
                              ('module_version', sa.String(length=20)),
                              ('passed_on', sa.Date()), ('expires_on', sa.Date())):
            batch_op.alter_column(column, existing_type=type_, nullable=False)
        batch_op.drop_constraint('uq_certificates_completion_id', type_='unique')
        batch_op.create_index(batch_op.f('ix_certificates_completion_id'), ['completion_id'],
                              unique=False)
        batch_op.create_index('uq_certificates_current', ['completion_id'], unique=True,
                              sqlite_where=sa.text('replaced_at IS NULL'),
                              postgresql_where=sa.text('replaced_at IS NULL'))
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX IF NOT EXISTS ix_certificates_holder_name_trgm ON certificates "
                   "USING gin (holder_name gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_certificates_holder_name_trgm")
    # Replaced certificates go: only the current one per pass fits the old unique constraint.
    op.execute("DELETE FROM certificates WHERE replaced_at IS NOT NULL")
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('uq_certificates_current', sqlite_where=sa.text('replaced_at IS NULL'),
                            postgresql_where=sa.text('replaced_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_certificates_completion_id'))
        batch_op.create_unique_constraint('uq_certificates_completion_id', ['completion_id'])
        batch_op.drop_constraint(batch_op.f('fk_certificates_replaced_by_id_certificates'),
                                 type_='foreignkey')
        for column in ('reissue_reason', 'replaced_by_id', 'replaced_at', 'expires_on',
                       'passed_on', 'module_version', 'module_title', 'holder_name'):
            batch_op.drop_column(column)
