"""The emails venues send: co-manager invitations."""

from __future__ import annotations

from flask_babel import gettext as _

from training_portal.accounts.models import User
from training_portal.notifications.mail import external_url
from training_portal.notifications.outbox import queue_mail
from training_portal.venues.models import Venue
from training_portal.venues.services import INVITATION_DAYS, Invitation


def send_manager_invitation(invitation: Invitation, venue: Venue, inviter: User) -> None:
    """Sent whether or not an account uses the address: the link asks them to log in or register."""
    link = external_url("venues.invitation", token=invitation.token)
    queue_mail(invitation.record.email, _("Invitation to manage %(venue)s", venue=venue.name), _(
        "Hello,\n\n%(inviter)s invited you to help manage the training of %(venue)s's staff on "
        "the Safer Nights training portal.\n\nOpen this link within %(days)d days to accept or "
        "decline. If you have no account yet, create one with this email address first.\n\n"
        "%(link)s\n\nIf you were not expecting this, you can ignore this email: nothing changes "
        "unless you accept.",
        inviter=inviter.name, venue=venue.name, days=INVITATION_DAYS, link=link), kind="invitation")
