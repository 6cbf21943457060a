"""attempts keep the questions they were drawn from

Issue 9, item 2: an attempt is graded against the questions, correct answers and pass mark it
was drawn with. The questions go in the existing ``attempts.drawn`` JSON (no schema change);
the pass mark gets its own column. Existing attempts keep NULL and are graded, as before,
against the live bank.

Revision ID: e7c3a9b1d582
Revises: d4b8f2a6c913
Create Date: 2026-12-10 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7c3a9b1d582'
down_revision = 'd4b8f2a6c913'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pass_mark', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('pass_mark')
