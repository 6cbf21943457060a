"""One factory per model. Objects are committed, so the app's own requests see them."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import factory
from argon2 import PasswordHasher

from training_portal.accounts.models import AuthToken, User
from training_portal.audit import AuditEvent
from training_portal.certificates.codes import new_code, normalise
from training_portal.certificates.models import Certificate
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.learning import learner_summary
from training_portal.learning.models import Attempt, Completion, ConfidenceRating, PageView
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


class PageViewFactory(BaseFactory):
    class Meta:
        model = PageView

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    module_slug = "welcome"
    page_number = 1


class _SummarisedFactory(BaseFactory):
    """Attempts and passes made here bypass grading, so they refresh the learner summary as grading does."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        made = super()._create(model_class, *args, **kwargs)
        learner_summary.refresh(made.user_id, made.module_slug)
        db.session.commit()
        return made


class AttemptFactory(_SummarisedFactory):
    """An ungraded attempt; ``graded=True`` makes it a pass with full marks."""

    class Meta:
        model = Attempt

    public_id = factory.LazyFunction(lambda: secrets.token_urlsafe(16))
    user_id = factory.LazyFunction(lambda: UserFactory().id)
    module_slug = "welcome"
    module_version = "1.2"
    content_hash = "0" * 64
    drawn = factory.LazyFunction(lambda: [{"question": "patterns", "choices": ["a", "b"]}])
    answers = None
    results = None
    score = None
    passed = None
    graded_at = None

    class Params:
        graded = factory.Trait(
            answers={"patterns": ["a"]}, results={"patterns": True}, score=100, passed=True,
            graded_at=factory.LazyFunction(utcnow))


class CompletionFactory(_SummarisedFactory):
    class Meta:
        model = Completion

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    module_slug = "welcome"
    module_title = "Welcome to the programme"
    module_version = "1.2"
    content_hash = "0" * 64
    score = 100
    passed_at = factory.LazyFunction(utcnow)
    expires_on = factory.LazyFunction(lambda: date.today() + timedelta(days=365))
    attempt_id = factory.LazyAttribute(lambda o: AttemptFactory(
        graded=True, user_id=o.user_id, module_slug=o.module_slug,
        module_version=o.module_version).id)


class CertificateFactory(BaseFactory):
    class Meta:
        model = Certificate

    completion = factory.SubFactory(CompletionFactory)
    code = factory.LazyFunction(lambda: normalise(new_code()))
    # The printed facts, captured at issue (as certificates.services.issue_for does).
    holder_name = factory.LazyAttribute(lambda o: o.completion.user.name)
    module_title = factory.LazyAttribute(lambda o: o.completion.module_title)
    module_version = factory.LazyAttribute(lambda o: o.completion.module_version)
    passed_on = factory.LazyAttribute(
        lambda o: o.completion.passed_at.astimezone(ZoneInfo("Europe/London")).date())
    expires_on = factory.LazyAttribute(lambda o: o.completion.expires_on)
    revoked_at = None
    revoke_reason = None


class ConfidenceRatingFactory(BaseFactory):
    class Meta:
        model = ConfidenceRating

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    module_slug = "welcome"
    module_version = "1.2"
    stage = "before"
    rating = 3
    attempt_id = None
