"""normalise stored email addresses (NFC, lower case); users.printed_name

Issue 9, item 8: addresses are stored and compared as ``accounts.services.normalise_email``
makes them (trimmed, NFC, lower case). Addresses stored before are rewritten to that form.
Two accounts whose addresses become the same are NOT merged or changed: both are left as
they are and reported (a warning in the migration's log), for an admin to resolve by hand.
``users.printed_name``: the name as certificates print it, when their fonts cannot draw the name.

Revision ID: f2d6b4e8a170
Revises: e7c3a9b1d582
Create Date: 2026-12-10 13:00:00.000000

"""
import logging
import sys
import unicodedata
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2d6b4e8a170'
down_revision = 'e7c3a9b1d582'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _normalise(email: str) -> str:
    # A copy of accounts.services.normalise_email as it is today (migrations never import rules).
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", email.strip()).lower())


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printed_name', sa.String(length=120), nullable=True))
    bind = op.get_bind()
    users = bind.execute(sa.text("SELECT id, email FROM users")).all()
    by_form: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for user_id, email in users:
        by_form[_normalise(email)].append((user_id, email))
    for form, holders in by_form.items():
        if len(holders) > 1:
            message = (f"WARNING: email addresses of users {[uid for uid, _e in holders]} are the "
                       f"same once normalised ({form!r}): left unchanged; resolve by hand")
            log.warning(message)
            print(message, file=sys.stderr)  # seen even where logging is not configured
            continue
        user_id, email = holders[0]
        if email != form:
            bind.execute(sa.text("UPDATE users SET email = :email WHERE id = :id"),
                         {"email": form, "id": user_id})
    invitations = bind.execute(sa.text("SELECT id, email FROM manager_invitations")).all()
    for invitation_id, email in invitations:
        if email != _normalise(email):
            bind.execute(sa.text("UPDATE manager_invitations SET email = :email WHERE id = :id"),
                         {"email": _normalise(email), "id": invitation_id})


def downgrade():
    # The normalised addresses stay (each is a valid address); the printed name goes.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('printed_name')
