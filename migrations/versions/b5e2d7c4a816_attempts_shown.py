"""attempts.shown: the questions and choice order the quiz page shows, apart from the snapshot

Revision ID: b5e2d7c4a816
Revises: a3c9e1f7b254
Create Date: 2026-12-01 06:00:00

The quiz page reads an attempt on every view. It needs only the question ids and the order of
their choices; ``drawn`` also holds the whole snapshot that grading reads (several kilobytes of
JSON to decode per view). Existing attempts are filled from their own ``drawn``, in batches.

The column stays nullable: making it NOT NULL on SQLite means copying the table, and dropping
the old ``attempts`` there deletes every completion and certificate that refers to it (ON
DELETE CASCADE). New attempts always get it (the model's insert default); a page finding
none reads the snapshot instead.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "b5e2d7c4a816"
down_revision = "a3c9e1f7b254"
branch_labels = None
depends_on = None

BATCH = 1_000


def upgrade():
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("shown", sa.JSON(), nullable=True))
    _fill_from_drawn(op.get_bind())


def _fill_from_drawn(connection):
    attempts = sa.table("attempts", sa.column("id", sa.Integer), sa.column("drawn", sa.JSON),
                        sa.column("shown", sa.JSON))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(attempts.c.id, attempts.c.drawn).where(attempts.c.id > last)
            .order_by(attempts.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(
            attempts.update().where(attempts.c.id == sa.bindparam("attempt_id"))
            .values(shown=sa.bindparam("order")),
            [{"attempt_id": row.id, "order": _shown(row.drawn)} for row in rows])
        last = rows[-1].id


def _shown(drawn):
    items = json.loads(drawn) if isinstance(drawn, str) else drawn or []
    return [[item["question"], list(item["choices"])] for item in items]


def downgrade():
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("shown")
