"""Imports every model module so Alembic, ``create_all`` and the factories see all tables."""

from training_portal.accounts.models import AuthToken, User
from training_portal.audit import AuditEvent
from training_portal.certificates.models import Certificate
from training_portal.completions.models import Completion
from training_portal.modules.models import PageView
from training_portal.notifications.models import QueuedMail
from training_portal.quizzes.models import Attempt, ConfidenceRating
from training_portal.venues.models import Membership, Venue

__all__ = ["Attempt", "AuditEvent", "AuthToken", "Certificate", "Completion",
           "ConfidenceRating", "Membership", "PageView", "QueuedMail", "User", "Venue"]
