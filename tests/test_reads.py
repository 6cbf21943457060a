"""``reads``: one-statement reads on the app's second engine, kept in autocommit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.factories import UserFactory
from training_portal import create_app, reads
from training_portal.accounts.models import User
from training_portal.extensions import db


def _name_of(user_id: int) -> Any:
    users = User.__table__.c
    return reads.one_row(select(users.name).where(users.id == user_id), {})


def test_a_read_sees_what_others_committed_and_holds_no_transaction(app):
    with app.app_context():
        user = UserFactory(name="First Name")
        assert _name_of(user.id).name == "First Name"
        with db.engine.begin() as other:  # another connection commits a change
            other.execute(User.__table__.update().where(User.__table__.c.id == user.id)
                          .values(name="Second Name"))
        assert _name_of(user.id).name == "Second Name"
        assert _name_of(user.id + 1000) is None
        engine = app.extensions[reads.EXTENSION]
        assert engine.pool is not db.engine.pool
        with engine.connect() as connection:  # the driver's own autocommit switch is on
            driver = connection.connection.dbapi_connection
            if engine.dialect.name == "sqlite":
                assert driver.isolation_level is None
            else:
                assert driver.autocommit is True


def test_emptying_the_pools_empties_both(app):
    with app.app_context():
        user = UserFactory()
        _name_of(user.id)
        db.session.commit()
        engine = app.extensions[reads.EXTENSION]
        assert engine.pool.checkedin() == 1 and db.engine.pool.checkedin() >= 1
    reads.dispose_pools(app)
    assert engine.pool.checkedin() == 0
    with app.app_context():
        assert db.engine.pool.checkedin() == 0


def test_a_memory_database_is_read_through_its_own_pool(tmp_path: Path):
    """``sqlite://`` is one database per pool: a second engine would read an empty one."""
    app = create_app({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "CONTENT_DIR": str(Path(__file__).parent / "content" / "valid"),
                      "MAIL_BACKEND": "memory", "MAIL_OUTBOX_DIR": str(tmp_path)})
    with app.app_context():
        db.create_all()
        db.session.add(User(name="Only Here", email="only@example.org", password_hash="x"))
        db.session.commit()
        user_id = db.session.scalar(select(User.id))
        assert _name_of(user_id).name == "Only Here"
        assert app.extensions[reads.EXTENSION].pool is db.engine.pool
