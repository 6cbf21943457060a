"""Partnership admins find certificates and people, and revoke a certificate."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from training_portal.certificates import services
from training_portal.certificates.codes import format_code
from training_portal.certificates.models import Certificate
from training_portal.extensions import db
from training_portal.policy import Rule, access
from training_portal.reports import search
from training_portal.timeutil import site_today
from training_portal.web.certificate_forms import ReissueForm, RevokeForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _render_list(template: str, find: Any) -> tuple[str, int]:
    """Parse ?q=&page=, run the search, and say clearly when the page is not there."""
    wanted = search.parse_request(request.args.get("q"), request.args.get("page"))
    results = find(wanted.query, wanted.page)
    messages = list(wanted.messages)
    status = 400 if wanted.page_invalid else 200
    if results.out_of_range:
        messages.append(_("There is no page %(page)d: the results fill %(pages)d page(s).",
                          page=wanted.page, pages=results.pages))
        status = 404
    return render_template(template, request_=wanted, results=results, messages=messages,
                           short_query=search.is_short(wanted.query), today=site_today(), format_code=format_code,
                           status_of=services.status_of), status


@bp.route("/certificates")
@access(Rule.ADMIN)
def certificates() -> tuple[str, int]:
    return _render_list("admin/certificates.html", search.search_certificates)


@bp.route("/people")
@access(Rule.ADMIN)
def people() -> tuple[str, int]:
    return _render_list("admin/people.html", search.search_people)


@bp.route("/certificates/<int:certificate_id>")
@access(Rule.ADMIN)
def certificate(certificate_id: int) -> tuple[str, int]:
    return _certificate_page(certificate_id)


def _certificate_page(certificate_id: int, reissue_form: ReissueForm | None = None
                      ) -> tuple[str, int]:
    found = search.certificate_with_holder(certificate_id)
    if found is None:
        abort(404)
    if reissue_form is None:
        reissue_form = ReissueForm(holder_name=found.completion.user.name)
    replaced_by = db.session.get(Certificate, found.replaced_by_id) if found.replaced_by_id else None
    return render_template("admin/certificate.html", certificate=found,
                           completion=found.completion, code=format_code(found.code),
                           status=services.status_of(found, site_today()),
                           revoke_form=RevokeForm(), reissue_form=reissue_form,
                           replaced_by=replaced_by, format_code=format_code), (
        400 if reissue_form.errors else 200)


@bp.route("/certificates/<int:certificate_id>/reissue", methods=["POST"])
@access(Rule.ADMIN)
def reissue(certificate_id: int) -> tuple[str, int] | Response:
    """A corrected name: a new certificate (new code); the old code verifies as replaced."""
    certificate = db.get_or_404(Certificate, certificate_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        return _certificate_page(certificate_id, form)
    try:
        new = services.reissue(current_user, certificate, form.holder_name.data, form.reason.data)
    except services.CertificateError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.certificate", certificate_id=certificate_id))
    db.session.commit()
    flash(_("A new certificate was issued with code %(code)s. The old code now says it was replaced.",
            code=format_code(new.code)))
    return redirect(url_for("admin.certificate", certificate_id=new.id))


@bp.route("/people/<int:user_id>")
@access(Rule.ADMIN)
def person(user_id: int) -> str:
    record = search.person_record(user_id)
    if record is None:
        abort(404)
    user, memberships, certificates = record
    return render_template("admin/person.html", person=user, memberships=memberships,
                           certificates=certificates, today=site_today(),
                           format_code=format_code, status_of=services.status_of)
