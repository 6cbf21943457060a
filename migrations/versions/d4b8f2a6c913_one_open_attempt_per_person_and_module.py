"""one open attempt per person and module

Issue 9, item 6: ``attempts.abandoned_at`` (an open attempt that can no longer be finished is
closed, kept, never graded) and the partial unique index ``uq_attempts_open`` on
(user_id, module_slug) WHERE graded_at IS NULL AND abandoned_at IS NULL, so parallel "start
quiz" requests open at most one attempt on SQLite and PostgreSQL alike. Existing duplicates
(possible before this index) are resolved first: the newest open attempt per person and module
stays open, older ones are marked abandoned (nothing is deleted).

Revision ID: d4b8f2a6c913
Revises: c1a7e5d20f31
Create Date: 2026-12-10 11:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import training_portal.db

# revision identifiers, used by Alembic.
revision = 'd4b8f2a6c913'
down_revision = 'c1a7e5d20f31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('abandoned_at', training_portal.db.UTCDateTime(), nullable=True))
    # Older duplicates of an open attempt: keep the newest (highest id) open, abandon the rest.
    op.execute(
        "UPDATE attempts SET abandoned_at = CURRENT_TIMESTAMP "
        "WHERE graded_at IS NULL AND EXISTS (SELECT 1 FROM attempts AS newer "
        "WHERE newer.user_id = attempts.user_id AND newer.module_slug = attempts.module_slug "
        "AND newer.graded_at IS NULL AND newer.id > attempts.id)")
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('uq_attempts_open', ['user_id', 'module_slug'], unique=True,
                              sqlite_where=sa.text('graded_at IS NULL AND abandoned_at IS NULL'),
                              postgresql_where=sa.text('graded_at IS NULL AND abandoned_at IS NULL'))


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('uq_attempts_open',
                            sqlite_where=sa.text('graded_at IS NULL AND abandoned_at IS NULL'),
                            postgresql_where=sa.text('graded_at IS NULL AND abandoned_at IS NULL'))
        batch_op.drop_column('abandoned_at')
