"""Imports every model module so Alembic, ``create_all`` and the factories see all tables."""

from training_portal.accounts.models import AuthToken, User
from training_portal.audit import AuditEvent
from training_portal.certificates.models import Certificate
from training_portal.dashboards.models import InspectionLink, InspectionOpening, Nudge
from training_portal.learning.models import (
    Attempt,
    Completion,
    ConfidenceRating,
    LearnerModuleSummary,
    PageView,
    QuestionChoiceStat,
    QuestionStat,
)
from training_portal.notifications.models import QueuedMail
from training_portal.programme import ProgrammeSetting
from training_portal.reminders.models import ReminderSent
from training_portal.venues.models import ManagerInvitation, Membership, Venue

__all__ = ["Attempt", "AuditEvent", "AuthToken", "Certificate", "Completion",
           "ConfidenceRating", "InspectionLink", "InspectionOpening", "LearnerModuleSummary",
           "ManagerInvitation",
           "Membership", "Nudge", "PageView", "ProgrammeSetting", "QuestionChoiceStat",
           "QuestionStat", "QueuedMail", "ReminderSent", "User", "Venue"]
