"""The partnership's pages: programme overview, outcomes, venue areas, exports. Admins only.

They show counts, never people: every figure comes from `reports.tables`, where the
small-number rule is applied, and no template here prints a person's name.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from training_portal import programme
from training_portal.csv_export import csv_bytes
from training_portal.extensions import db
from training_portal.policy import Rule, access
from training_portal.reports import outcomes as oc
from training_portal.reports import programme_charts as pc
from training_portal.reports import tables
from training_portal.reports.programme import known_areas, picked_ratings, programme_figures
from training_portal.timeutil import site_today
from training_portal.venues import services as venue_services
from training_portal.venues.models import Venue
from training_portal.web.partnership_forms import AreaForm, FilterInput, TargetForm, page_number, parse_filters

bp = Blueprint("partnership", __name__, url_prefix="/partnership")

VENUES_PER_PAGE = 50
COVERAGE_ROWS_SHOWN = 100
TABLES = ("coverage", "deadlines", "weekly", "first_attempt", "attempts", "areas", "outcomes")


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    def csv_args(asked: FilterInput) -> dict[str, str]:
        """The filters as applied (after any correction), for links to exports and other pages."""
        f = asked.filters
        return {"from": f.date_from.isoformat(), "to": f.date_to.isoformat(), **({"area": f.area} if f.area else {})}

    return {"csv_args": csv_args}


def _filters() -> tuple[FilterInput, list[str]]:
    areas = known_areas()
    return parse_filters(request.args, site_today(), areas), areas


def _catalog() -> Any:
    return current_app.extensions["catalog"].current.ordered


@bp.route("")
@access(Rule.ADMIN)
def overview() -> tuple[str, int]:
    return _overview_page(TargetForm(data={"target": programme.coverage_target()}))


def _overview_page(target_form: TargetForm, status: int = 200) -> tuple[str, int]:
    asked, areas = _filters()
    for message in asked.messages:
        flash(message, "error")
    target = programme.coverage_target()
    built = _tables(asked, target)
    return render_template(
        "partnership/overview.html", asked=asked, areas=areas, target=target, target_form=target_form,
        shown_rows=COVERAGE_ROWS_SHOWN, **built,
        area_chart=pc.area_chart(built["areas_table"], target),
        below_chart=pc.below_target_chart(built["coverage_rows"], target),
        weekly_charts=pc.weekly_charts(built["weekly_table"]),
        first_chart=pc.first_attempt_chart(built["first_table"])), status


def _tables(asked: FilterInput, target: int) -> dict[str, Any]:
    figures = programme_figures(_catalog(), asked.filters, site_today())
    rows = tables.coverage_rows(figures, target)
    return {"figures": figures, "coverage_rows": rows, "headline": tables.headline(figures, rows),
            "coverage_table": tables.coverage_table(rows), "deadline_table": tables.deadline_table(rows),
            "weekly_table": tables.weekly_table(figures), "first_table": tables.first_attempt_table(figures),
            "attempts_table": tables.attempts_table(figures), "areas_table": tables.area_table(figures)}


@bp.route("/target", methods=["POST"])
@access(Rule.ADMIN)
def set_target() -> Response | tuple[str, int]:
    form = TargetForm()
    if not form.validate_on_submit():
        return _overview_page(form, 400)
    programme.change_coverage_target(current_user.id, form.target.data)
    db.session.commit()
    flash(_("The coverage target is now %(target)d%%.", target=form.target.data))
    return redirect(url_for("partnership.overview"))


@bp.route("/outcomes")
@access(Rule.ADMIN)
def outcomes() -> str:
    asked, areas = _filters()
    for message in asked.messages:
        flash(message, "error")
    modules = [m for m in _catalog() if m.is_published]
    by_module, overall = oc.outcomes_of(picked_ratings(asked.filters))
    titles = {m.slug: m.title for m in modules}
    charts = [(titles.get(slug, slug), pc.outcome_chart(titles.get(slug, slug), result))
              for slug, result in by_module.items()]
    return render_template("partnership/outcomes.html", asked=asked, areas=areas, by_module=by_module,
                           overall=overall, titles=titles, charts=charts,
                           overall_chart=pc.outcome_chart(_("All modules"), overall, _overall_bars(by_module)),
                           table=tables.outcome_table(by_module, overall, titles))


def _overall_bars(by_module: dict[str, oc.Outcome]) -> tuple[bool, bool]:
    withheld = tables.overall_outcome_withheld(by_module)
    return withheld.before, withheld.after


@bp.route("/overview.csv")
@access(Rule.ADMIN)
def export_csv() -> Response:
    """One table of the overview or outcomes, with the same filters and the same withheld figures."""
    name = request.args.get("table", "")
    if name not in TABLES:
        return current_app.response_class(
            _("Unknown table. Choose one of: %(names)s.", names=", ".join(TABLES)), status=400,
            mimetype="text/plain")
    asked, _areas = _filters()
    if name == "outcomes":
        modules = {m.slug: m.title for m in _catalog() if m.is_published}
        table = tables.outcome_table(*oc.outcomes_of(picked_ratings(asked.filters)), modules)
    else:
        key = {"coverage": "coverage_table", "deadlines": "deadline_table", "weekly": "weekly_table",
               "first_attempt": "first_table", "attempts": "attempts_table", "areas": "areas_table"}[name]
        table = _tables(asked, programme.coverage_target())[key]
    response = current_app.response_class(csv_bytes(table.header, table.text_rows()),
                                          mimetype="text/csv")  # Werkzeug adds "; charset=utf-8"
    f = asked.filters
    response.headers["Content-Disposition"] = (
        f'attachment; filename="programme-{name}-{f.date_from.isoformat()}-{f.date_to.isoformat()}.csv"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/report.pdf")
@access(Rule.ADMIN)
def report_pdf() -> Response:
    from training_portal.reports.report_data import report_data
    from training_portal.reports.report_pdf import render_programme_report

    asked, _areas = _filters()
    target = programme.coverage_target()
    built = _tables(asked, target)
    titles = {m.slug: m.title for m in built["figures"].modules}
    data = report_data(built, tables.outcome_table(*oc.outcomes_of(picked_ratings(asked.filters)), titles),
                       target, asked.messages)
    pdf = render_programme_report(data, current_app.extensions["certificate_design"])
    response = current_app.response_class(pdf, mimetype="application/pdf")
    f = asked.filters
    response.headers["Content-Disposition"] = (
        f'inline; filename="programme-report-{f.date_from.isoformat()}-{f.date_to.isoformat()}.pdf"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/venues")
@access(Rule.ADMIN)
def venues() -> str:
    total = db.session.scalar(select(func.count()).select_from(Venue)) or 0
    last_page = max(1, -(-total // VENUES_PER_PAGE))
    page, problem = page_number(request.args.get("page"), last_page)
    if problem:
        flash(problem, "error")
    listed = db.session.scalars(select(Venue).order_by(Venue.name, Venue.id)
                                .limit(VENUES_PER_PAGE).offset((page - 1) * VENUES_PER_PAGE))
    return render_template("partnership/venues.html", venues=list(listed), page=page, last_page=last_page,
                           total=total, areas=known_areas(), form=AreaForm())


@bp.route("/venues/<int:venue_id>/area", methods=["POST"])
@access(Rule.ADMIN)
def set_area(venue_id: int) -> Response:
    venue = db.session.get(Venue, venue_id)
    if venue is None:
        abort(404)
    form = AreaForm()
    page = request.form.get("page", "1")
    if form.validate_on_submit():
        venue_services.set_area(current_user, venue, form.area.data or None)
        db.session.commit()
        flash(_("%(venue)s: area saved.", venue=venue.name) if venue.area
              else _("%(venue)s: area cleared.", venue=venue.name))
    else:
        problem = " ".join(str(error) for error in form.area.errors)  # some messages are lazy strings
        flash(_("%(venue)s: %(problem)s", venue=venue.name, problem=problem), "error")
    return redirect(url_for("partnership.venues", page=page if page.isdigit() and len(page) < 7 else 1)
                    + f"#venue-{venue.id}")
