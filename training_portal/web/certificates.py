from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from training_portal import policy
from training_portal.accounts.models import User
from training_portal.certificates import services
from training_portal.certificates.codes import normalise
from training_portal.certificates.models import Certificate
from training_portal.certificates.pdf import content_disposition, render_certificate, render_training_record
from training_portal.extensions import db, limiter
from training_portal.notifications.mail import external_url
from training_portal.policy import Rule, access
from training_portal.timeutil import site_today
from training_portal.urls import safe_next
from training_portal.web.certificate_forms import RevokeForm, VerifyForm

bp = Blueprint("certificates", __name__)


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _design():  # type: ignore[no-untyped-def]
    return current_app.extensions["certificate_design"]


def _pdf_response(pdf: bytes, filename_stem: str) -> Response:
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(filename_stem)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/verify")
@access(Rule.PUBLIC)
@limiter.shared_limit(_verify_limit, scope="verify")
def verify_form() -> Response:
    form = VerifyForm(request.args)
    if request.args and form.validate():
        code = normalise(form.code.data) or form.code.data
        return redirect(url_for("certificates.verify", code=code))
    return _private(current_app.make_response(render_template("certificates/verify_form.html",
                                                              form=form)))


@bp.route("/verify/<code>")
@access(Rule.PUBLIC)
@limiter.shared_limit(_verify_limit, scope="verify")
def verify(code: str) -> Response:
    certificate = services.find_by_code(code)
    if certificate is None:
        page = render_template("certificates/verify_unknown.html", code=code, form=VerifyForm())
        return _private(current_app.make_response((page, 404)))
    view = services.public_view(certificate, _design().issuer, site_today())
    page = render_template("certificates/verify.html", cert=view, certificate_id=certificate.id,
                           revoke_form=RevokeForm() if policy.can_revoke_certificates(
                               current_user) else None)
    return _private(current_app.make_response(page))


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@access(Rule.ADMIN)
def revoke(certificate_id: int) -> Response:
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(current_user, certificate, form.reason.data)
        except services.CertificateError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The certificate is revoked. The check page now says so."))
    else:
        for error in form.reason.errors:
            flash(str(error), "error")
    # The admin certificate page posts here too and asks to come back (a local path only).
    back = safe_next(request.form.get("next"))
    return redirect(back or url_for("certificates.verify", code=certificate.code))


@bp.route("/my/certificates")
@access(Rule.SIGNED_IN)
def mine() -> str:
    today = site_today()
    certificates = services.certificates_of(current_user)
    return render_template("certificates/mine.html", today=today, certificates=[
        (c, services.status_of(c, today)) for c in certificates])


@bp.route("/my/certificates/<int:certificate_id>.pdf")
@access(Rule.OBJECT)
def download(certificate_id: int) -> Response:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not policy.can_view_certificate(current_user, certificate):
        abort(404)
    verify_url = external_url("certificates.verify", code=certificate.code)
    pdf = render_certificate(services.pdf_data(certificate, verify_url), _design())
    return _pdf_response(pdf, f"{certificate.holder_name} - {certificate.module_title}")


@bp.route("/my/record.pdf")
@access(Rule.SIGNED_IN)
def training_record() -> Response:
    today: date = site_today()
    rows = services.record_rows(services.current_certificates(current_user, today))
    holder = db.session.get(User, current_user.id)  # the name as printed is not in the session
    assert holder is not None  # signed in, so the account exists
    pdf = render_training_record(holder.name_for_print, rows, _design(), today)
    return _pdf_response(pdf, f"{current_user.name} - training record")
