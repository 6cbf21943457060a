"""The emails accounts send. The answer on screen never depends on whether they were sent:
they are queued in the request's transaction and sent by the mail drain."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from training_portal.accounts import services
from training_portal.notifications.mail import external_url
from training_portal.notifications.outbox import queue_mail


def send_reset_link(email: str) -> None:
    user = services.find_user_by_email(email)
    if user is None or user.is_disabled:
        return
    minutes = current_app.config["RESET_TOKEN_MINUTES"]
    token = services.issue_token(user, services.PURPOSE_RESET, minutes)
    link = external_url("accounts.reset_password", token=token)
    queue_mail(user.email, _("Reset your password"), _(
        "Hello %(name)s,\n\nTo choose a new password, open this link within %(minutes)d "
        "minutes:\n\n%(link)s\n\nIf you did not ask for this, you can ignore this email.",
        name=user.name, minutes=minutes, link=link), kind="reset")


def send_login_link(email: str, next_path: str | None) -> None:
    user = services.find_user_by_email(email)
    if user is None or user.is_disabled:
        return
    minutes = current_app.config["LOGIN_LINK_MINUTES"]
    token = services.issue_token(user, services.PURPOSE_LOGIN, minutes)
    values = {"token": token, "next": next_path} if next_path else {"token": token}
    link = external_url("accounts.login_link", **values)
    queue_mail(user.email, _("Your sign-in link"), _(
        "Hello %(name)s,\n\nOpen this link within %(minutes)d minutes to sign in. "
        "It works once.\n\n%(link)s\n\nIf you did not ask for this, you can ignore this email.",
        name=user.name, minutes=minutes, link=link), kind="login_link")
