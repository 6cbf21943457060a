"""One factory per model. Objects are committed, so the app's own requests see them."""

from __future__ import annotations

import factory
from argon2 import PasswordHasher

from training_portal.accounts.models import AuthToken, User
from training_portal.audit import AuditEvent
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.venues.models import ROLE_MANAGER, ROLE_STAFF, Membership, Venue
from training_portal.venues.services import JOIN_CODE_ALPHABET

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def _join_code(n: int) -> str:
    alphabet, digits = JOIN_CODE_ALPHABET, []
    for _ in range(8):
        n, r = divmod(n, len(alphabet))
        digits.append(alphabet[r])
    return "".join(digits)


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password_hash = _PASSWORD_HASH
    is_trainer = False
    is_admin = False
    is_disabled = False
    session_version = 1

    class Params:
        trainer = factory.Trait(is_trainer=True)
        admin = factory.Trait(is_admin=True)


class VenueFactory(BaseFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"The Venue {n}")
    address = "1 High Street, Town"
    postcode = "AB1 2CD"
    licence_number = None
    join_code = factory.Sequence(lambda n: _join_code(n + 1000))
    created_by = factory.SubFactory(UserFactory)


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    venue = factory.SubFactory(VenueFactory)
    role = ROLE_STAFF
    left_at = None

    class Params:
        manager = factory.Trait(role=ROLE_MANAGER)
        left = factory.Trait(left_at=factory.LazyFunction(utcnow))


class AuthTokenFactory(BaseFactory):
    class Meta:
        model = AuthToken

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    purpose = "login"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(utcnow)


class AuditEventFactory(BaseFactory):
    class Meta:
        model = AuditEvent

    actor_id = None
    action = "test.event"
    target_type = "user"
    target_id = None
    detail = factory.LazyFunction(dict)
