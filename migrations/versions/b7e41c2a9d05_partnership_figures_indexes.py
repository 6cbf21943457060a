"""Partnership figures: indexes for every venue's latest passes and the ordered attempts

Revision ID: b7e41c2a9d05
Revises: ef4996c6f8b6
Create Date: 2026-05-01 12:00:00

The partnership overview ranks each person's passes and attempts per module (window functions
partitioned by person and module, ordered by time); these indexes hand PostgreSQL the rows
already in that order, and let the dated figures find a period's completions directly.
"""

from alembic import op

revision = "b7e41c2a9d05"
down_revision = "ef4996c6f8b6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_completions_user_module_passed", "completions", ["user_id", "module_slug", "passed_at"])
    op.create_index("ix_completions_passed_at", "completions", ["passed_at"])
    op.create_index("ix_attempts_user_module_started", "attempts", ["user_id", "module_slug", "started_at"])


def downgrade():
    op.drop_index("ix_attempts_user_module_started", table_name="attempts")
    op.drop_index("ix_completions_passed_at", table_name="completions")
    op.drop_index("ix_completions_user_module_passed", table_name="completions")
