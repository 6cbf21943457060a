"""Sending mail: SMTP in production; in development to the log and an outbox folder.

The ``memory`` backend (tests) keeps messages in ``app.extensions["mail_outbox"]``;
``disabled`` (production without mail, chosen on purpose) drops them and logs only that a
message of that subject was not sent. Production refuses to start with any other backend
(``config.check_production_safety``), and in production no transport ever logs a message's
body: it may hold a one-time sign-in or reset link.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import current_app, url_for

log = logging.getLogger(__name__)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link built from SITE_URL, never from the request's Host header."""
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str) -> None:
    message = build_message(to, subject, body)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
    elif backend == "smtp":
        _send_smtp(message)
    elif backend == "disabled":
        log.info("Mail is disabled (MAIL_BACKEND=disabled): %r not sent", subject)
    else:
        _write_outbox(message)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _write_outbox(message: EmailMessage) -> None:
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(message))
    if current_app.config["PORTAL_ENV"] == "production":  # refused at start-up; never the body anyway
        log.warning("Mail (%s) written to %s", message["Subject"], path)
        return
    # Development only: the body (with its sign-in link) in the log, so `make run` needs no mail server.
    log.warning("Mail to %s (%s) written to %s:\n%s", message["To"], message["Subject"], path,
                message.get_content())
