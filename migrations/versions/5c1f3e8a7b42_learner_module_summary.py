"""learner_module_summary: per person × module figures for the partnership overview

Revision ID: 5c1f3e8a7b42
Revises: b7e41c2a9d05
Create Date: 2026-12-01 12:00:00

One row per person × module (first graded attempt, first pass and attempts to it, latest pass),
written in the grading transaction by learning/learner_summary.py. The table starts empty:
fill it from the existing attempts and passes with `flask reports refresh` after upgrading.
"""

from alembic import op
import sqlalchemy as sa

import training_portal.db

revision = "5c1f3e8a7b42"
down_revision = "b7e41c2a9d05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "learner_module_summary",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=80), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_attempt_at", training_portal.db.UTCDateTime(), nullable=True),
        sa.Column("first_attempt_passed", sa.Boolean(), nullable=True),
        sa.Column("first_pass_at", training_portal.db.UTCDateTime(), nullable=True),
        sa.Column("attempts_to_pass", sa.Integer(), nullable=True),
        sa.Column("latest_completion_id", sa.Integer(), nullable=True),
        sa.Column("latest_version", sa.String(length=20), nullable=True),
        sa.Column("latest_passed_at", training_portal.db.UTCDateTime(), nullable=True),
        sa.Column("latest_passed_on", sa.Date(), nullable=True),
        sa.Column("latest_expires_on", sa.Date(), nullable=True),
        sa.Column("latest_revoked", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_learner_module_summary_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "module_slug", name=op.f("pk_learner_module_summary")),
    )
    op.create_index("ix_learner_module_summary_first_attempt_at", "learner_module_summary", ["first_attempt_at"])
    op.create_index("ix_learner_module_summary_first_pass_at", "learner_module_summary", ["first_pass_at"])


def downgrade():
    op.drop_index("ix_learner_module_summary_first_pass_at", table_name="learner_module_summary")
    op.drop_index("ix_learner_module_summary_first_attempt_at", table_name="learner_module_summary")
    op.drop_table("learner_module_summary")
