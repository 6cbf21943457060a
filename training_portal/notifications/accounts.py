"""The emails accounts send. The answer on screen never depends on whether they were sent,
nor on whether an account uses the address: the request queues a request row, the same for
every address, in its transaction; the mail drain (`outbox.drain`) writes and sends the mail."""

from __future__ import annotations

import json

from flask import current_app, has_request_context
from flask_babel import gettext as _

from training_portal.accounts import services
from training_portal.accounts.models import User
from training_portal.notifications.mail import external_url
from training_portal.notifications.outbox import queue_mail

#: What the request queues: only that someone asked, for which address. The drain looks the
#: address up and writes the real mail (or nothing, when no account uses it), so the request
#: does the same work, in the same time, whether or not an account exists.
RESET_REQUEST = "reset_request"
LOGIN_LINK_REQUEST = "login_request"
REQUEST_KINDS = frozenset({RESET_REQUEST, LOGIN_LINK_REQUEST})


def send_reset_link(email: str) -> None:
    queue_mail(services.normalise_email(email), _("Reset your password"), "{}", kind=RESET_REQUEST)


def send_login_link(email: str, next_path: str | None) -> None:
    queue_mail(services.normalise_email(email), _("Your sign-in link"),
               json.dumps({"next": next_path} if next_path else {}), kind=LOGIN_LINK_REQUEST)


def prepare(kind: str, to_address: str, payload: str) -> tuple[str, str, str] | None:
    """For the drain: (kind, subject, body) of the mail to send now, with a fresh one-time link,
    or None when no (enabled) account uses the address: then nothing is sent."""
    user = services.find_user_by_email(to_address)
    if user is None or user.is_disabled:
        return None
    if not has_request_context():  # the cron drain: links are built from SITE_URL all the same
        with current_app.test_request_context("/"):
            return prepare(kind, to_address, payload)
    if kind == RESET_REQUEST:
        return ("reset", *_reset_mail(user))
    return ("login_link", *_login_mail(user, json.loads(payload or "{}").get("next")))


def _reset_mail(user: User) -> tuple[str, str]:
    minutes = current_app.config["RESET_TOKEN_MINUTES"]
    token = services.issue_token(user, services.PURPOSE_RESET, minutes)
    link = external_url("accounts.reset_password", token=token)
    return _("Reset your password"), _(
        "Hello %(name)s,\n\nTo choose a new password, open this link within %(minutes)d "
        "minutes:\n\n%(link)s\n\nIf you did not ask for this, you can ignore this email.",
        name=user.name, minutes=minutes, link=link)


def _login_mail(user: User, next_path: str | None) -> tuple[str, str]:
    minutes = current_app.config["LOGIN_LINK_MINUTES"]
    token = services.issue_token(user, services.PURPOSE_LOGIN, minutes)
    values = {"token": token, "next": next_path} if next_path else {"token": token}
    link = external_url("accounts.login_link", **values)
    return _("Your sign-in link"), _(
        "Hello %(name)s,\n\nOpen this link within %(minutes)d minutes to sign in. "
        "It works once.\n\n%(link)s\n\nIf you did not ask for this, you can ignore this email.",
        name=user.name, minutes=minutes, link=link)
