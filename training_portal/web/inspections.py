"""Proving training at an inspection: the register as CSV and PDF for the venue's managers,
and read-only inspection links that a licensing officer opens without an account."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from training_portal import policy
from training_portal.content_access import catalog
from training_portal.dashboards import inspections
from training_portal.dashboards.models import InspectionLink
from training_portal.dashboards.register import (
    Register,
    build_register,
    export_filename,
    register_csv,
    register_pdf_data,
)
from training_portal.db import utcnow
from training_portal.extensions import db, limiter
from training_portal.notifications.mail import external_url
from training_portal.policy import Rule, access
from training_portal.timeutil import site_today
from training_portal.venues.models import Venue
from training_portal.web.inspection_forms import InspectionLinkForm
from training_portal.web.venue_forms import ButtonForm

bp = Blueprint("inspections", __name__)


class LinkNotUsable(Exception):
    """An /inspect token that is unknown (link None), expired or withdrawn."""

    def __init__(self, link: InspectionLink | None) -> None:
        super().__init__()
        self.link = link


def _inspect_limit() -> str:
    return current_app.config["INSPECT_RATE_LIMIT"]


def _managed_venue(venue_id: int) -> Venue:
    """Load → check: another venue's register and links are 'not found'."""
    venue = db.session.get(Venue, venue_id)
    if venue is None or not policy.can_manage_venue(current_user, venue):
        abort(404)
    return venue


def _register(venue: Venue) -> Register:
    return build_register(venue, catalog().ordered, site_today())


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _public(response: Response) -> Response:
    """Inspection pages carry a secret in their address: never cached, indexed or referred."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _file(body: bytes, mimetype: str, filename: str, disposition: str) -> Response:
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return _no_store(response)


def _register_pdf(register: Register, disposition: str) -> Response:
    from training_portal.certificates.register_pdf import render_training_register

    data = register_pdf_data(register, external_url("certificates.verify_form"))
    pdf = render_training_register(data, current_app.extensions["certificate_design"])
    filename = export_filename(register.venue_name, register.generated_on, "pdf")
    return _file(pdf, "application/pdf", filename, disposition)


# ---------------------------------------------------------------- managers


def _manage_page(venue: Venue, form: InspectionLinkForm, new_link: tuple[str, str] | None = None,
                 status: int = 200) -> Response:
    page = render_template("inspections/manage.html", venue=venue, form=form, new_link=new_link,
                           links=inspections.links_of(venue, utcnow()), button=ButtonForm())
    return _no_store(current_app.make_response((page, status)))


@bp.route("/venues/<int:venue_id>/inspection")
@access(Rule.OBJECT)
def manage(venue_id: int) -> Response:
    return _manage_page(_managed_venue(venue_id), InspectionLinkForm())


@bp.route("/venues/<int:venue_id>/inspection-links", methods=["POST"])
@access(Rule.OBJECT)
def create_link(venue_id: int) -> Response:
    """The new address is shown in this response only (never flashed into the session cookie)."""
    venue = _managed_venue(venue_id)
    form = InspectionLinkForm()
    if not form.validate_on_submit():
        return _manage_page(venue, form, status=400)
    _link, token = inspections.create_link(current_user, venue, form.label.data, form.day_count)
    db.session.commit()
    address = external_url("inspections.inspect", token=token)
    return _manage_page(venue, InspectionLinkForm(formdata=None), (form.label.data, address))


@bp.route("/venues/<int:venue_id>/inspection-links/<int:link_id>/withdraw", methods=["POST"])
@access(Rule.OBJECT)
def withdraw_link(venue_id: int, link_id: int) -> Response:
    venue = _managed_venue(venue_id)
    link = inspections.link_in_venue(venue, link_id)
    if link is None:
        abort(404)
    if ButtonForm().validate_on_submit():
        try:
            inspections.withdraw(current_user, link)
        except inspections.InspectionError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("\u201c%(label)s\u201d is withdrawn: that link no longer works.",
                    label=link.label))
    return redirect(url_for("inspections.manage", venue_id=venue.id))


@bp.route("/venues/<int:venue_id>/register.csv")
@access(Rule.OBJECT)
def register_spreadsheet(venue_id: int) -> Response:
    register = _register(_managed_venue(venue_id))
    filename = export_filename(register.venue_name, register.generated_on, "csv")
    return _file(register_csv(register), "text/csv", filename, "attachment")


@bp.route("/venues/<int:venue_id>/register.pdf")
@access(Rule.OBJECT)
def register_document(venue_id: int) -> Response:
    return _register_pdf(_register(_managed_venue(venue_id)), "attachment")


# ---------------------------------------------------------------- the public link


def _opened(token: str) -> InspectionLink:
    """The active link for ``token``, with this opening recorded; else LinkNotUsable."""
    link = inspections.find_by_token(token)
    if link is None or inspections.state_of(link, utcnow()) != inspections.ACTIVE:
        raise LinkNotUsable(link)
    inspections.record_opening(link)
    db.session.commit()
    return link


@bp.errorhandler(LinkNotUsable)
def link_not_usable(error: LinkNotUsable) -> Response:
    """Says only what happened to the link: nothing about the venue behind it."""
    link = error.link
    if link is None:
        page = render_template("inspections/unknown.html"), 404
    else:
        page = render_template("inspections/gone.html", link=link,
                               state=inspections.state_of(link, utcnow())), 410
    return _public(current_app.make_response(page))


@bp.route("/inspect/<token>")
@access(Rule.PUBLIC)
@limiter.shared_limit(_inspect_limit, scope="inspect")
def inspect(token: str) -> Response:
    link = _opened(token)
    register = _register(link.venue)
    page = render_template("inspections/inspect.html", register=register, link=link, token=token,
                           dates=_display_dates(register))
    return _public(current_app.make_response(page))


def _display_dates(register: Register) -> dict[date, str]:
    """Each distinct date formatted once (Babel is slow, and 500 staff share a few hundred)."""
    days = {d for p in register.people for e in p.entries for d in (e.passed_on, e.valid_until)
            if d is not None}
    return {d: format_date(d, "d MMM yyyy") for d in days}


@bp.route("/inspect/<token>/register.pdf")
@access(Rule.PUBLIC)
@limiter.shared_limit(_inspect_limit, scope="inspect")
def inspect_pdf(token: str) -> Response:
    return _public(_register_pdf(_register(_opened(token).venue), "inline"))
