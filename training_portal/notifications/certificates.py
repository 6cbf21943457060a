from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from training_portal.accounts.models import User
from training_portal.certificates.codes import format_code
from training_portal.certificates.models import Certificate
from training_portal.extensions import db
from training_portal.learning.models import Attempt, Completion
from training_portal.notifications.mail import external_url
from training_portal.notifications.outbox import queue_mail


def send_pass_email(attempt: Attempt) -> None:
    """Queues the mail in the caller's transaction: call it before the pass is committed."""
    row = db.session.execute(
        select(Certificate, Completion).join(Completion)
        .where(Completion.attempt_id == attempt.id, Certificate.replaced_at.is_(None))).first()
    if row is None:
        return
    certificate, completion = row
    user = db.session.get(User, attempt.user_id)
    if user is None:
        return
    queue_mail(user.email, _("Your certificate: %(module)s", module=completion.module_title), _(
        "Well done, %(name)s.\n\nYou passed \"%(module)s\" with %(score)d%%. "
        "Your certificate is valid until %(expires)s.\n\n"
        "Download it (you need to be logged in):\n%(download)s\n\n"
        "Anyone can check it here, with the code %(code)s:\n%(verify)s\n",
        name=user.name, module=completion.module_title, score=completion.score,
        expires=completion.expires_on.strftime("%d %B %Y"),
        download=external_url("certificates.download", certificate_id=certificate.id),
        code=format_code(certificate.code),
        verify=external_url("certificates.verify", code=format_code(certificate.code))),
        kind="certificate")
