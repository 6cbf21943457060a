"""users.session_stamp: when anything a session check reads last changed (database clock)

Revision ID: a3c9e1f7b254
Revises: f2d6b4e8a170
Create Date: 2026-12-01 02:30:00

Each worker remembers passed session checks for minutes and, every SESSION_CHECK_SECONDS, asks
once which people changed since its last poll (accounts/session_checks.py). The index serves
that poll: it reads only the few rows stamped in the last minute. Existing rows start at 0:
nobody's check is remembered across the upgrade's restart.
"""

import sqlalchemy as sa
from alembic import op

revision = "a3c9e1f7b254"
down_revision = "f2d6b4e8a170"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_stamp", sa.BigInteger(), server_default="0",
                                   nullable=False))
    op.create_index("ix_users_session_stamp", "users", ["session_stamp"])


def downgrade():
    op.drop_index("ix_users_session_stamp", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_stamp")
