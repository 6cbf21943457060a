"""A manager's view of their venue's training: the matrix, one person's record, the policy.

Every route loads the venue, checks it with `policy` (404 when it is not theirs) and calls the
dashboards or services; statuses come from the one rule in `learning/status.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from training_portal import policy
from training_portal.collector import collector_paused
from training_portal.content_access import catalog
from training_portal.dashboards.person import attempts_of, certificates_of
from training_portal.dashboards.venue import person_overview, venue_overview
from training_portal.dashboards.venue_query import (
    SORT_CHOICES,
    STATUS_FILTERS,
    Page,
    apply_query,
    parse_query,
)
from training_portal.extensions import db
from training_portal.learning import status
from training_portal.modules.content import Module
from training_portal.policy import Rule, access
from training_portal.programme import coverage_target
from training_portal.timeutil import site_today
from training_portal.venues import services
from training_portal.venues.models import Membership, Venue
from training_portal.venues.policy_rules import ModuleTerm, check_policy
from training_portal.web.matrix_view import MatrixText, matrix_rows, row_views
from training_portal.web.venue_forms import ButtonForm, TrainingPolicyForm
from training_portal.web.venues import _managed_venue

bp = Blueprint("venue_training", __name__)
#: The overview names this many people past the new-starter deadline, then links to them all.
SHOWN_PAST_DEADLINE = 10


@bp.route("/venues/<int:venue_id>/training")
@access(Rule.OBJECT)
def overview(venue_id: int) -> str:
    venue = _managed_venue(venue_id)
    with collector_paused():  # 500 people × 10 modules: many short-lived objects, no cycles
        return _overview_page(venue)


def _overview_page(venue: Venue) -> str:
    modules = catalog().published()
    query = parse_query(request.args, [m.slug for m in modules])
    data = venue_overview(venue, modules, site_today(), include_leavers=query.leavers)
    text = MatrixText()
    # The figures count every current member; the list shows one page of the chosen people.
    page = Page.of(apply_query(data.current, query), query.page)
    page_url = _page_urls(venue.id, query.module, query.state, query.sort, query.leavers)
    return render_template(
        "venues/training.html", venue=venue, overview=data, query=query, target=coverage_target(),
        page=page, people=matrix_rows(page.rows, query.module, text), page_url=page_url,
        former=row_views(data.leavers, None, text), labels=text.labels,
        person_url=_person_urls(venue.id), day=text.day, shown_late=SHOWN_PAST_DEADLINE,
        status_filters=STATUS_FILTERS, sorts=SORT_CHOICES, button=ButtonForm(),
        here=page_url(page.number), severity_order=sorted(status.SEVERITY, key=status.SEVERITY.__getitem__))


@bp.route("/venues/<int:venue_id>/people/<int:membership_id>")
@access(Rule.OBJECT)
def person(venue_id: int, membership_id: int) -> str:
    venue = _managed_venue(venue_id)
    membership = _person(venue, membership_id)
    today, text = site_today(), MatrixText()
    return render_template(
        "venues/person.html", venue=venue, membership=membership, labels=text.labels,
        person=text.row(person_overview(venue, membership, catalog().published(), today)),
        button=ButtonForm(), here=_here(),
        attempts=attempts_of(membership.user_id),
        certificates=certificates_of(membership.user_id, today),
        titles={m.slug: m.title for m in catalog().ordered})


@bp.route("/venues/<int:venue_id>/policy", methods=["GET", "POST"])
@access(Rule.OBJECT)
def training_policy(venue_id: int) -> tuple[str, int] | Response:
    venue = _managed_venue(venue_id)
    policy.require(policy.can_set_training_policy(current_user, venue), 404)
    modules = catalog().published()
    form = _policy_form(venue, modules)
    if form.validate_on_submit():
        chosen, errors = check_policy(form.refresher_months.data, form.required.data or [],
                                      form.starter_deadline_days.data, _terms(modules))
        if chosen is not None:
            services.set_training_policy(current_user, venue, chosen)
            db.session.commit()
            flash(_("Training policy saved."))
            return redirect(url_for("venue_training.overview", venue_id=venue.id))
        for name, message in errors.items():
            form[name].errors.append(message)
    status = 400 if form.errors else 200
    return render_template("venues/policy.html", venue=venue, form=form), status


def _person(venue: Venue, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or not policy.can_view_person(current_user, venue, membership):
        abort(404)
    return membership


def _here() -> str:
    """This page's local address with its query, for a form to come back to (``next``)."""
    return request.full_path.removesuffix("?")


def _page_urls(venue_id: int, module: str | None, state: str | None, sort: str,
               leavers: bool) -> Callable[[int], str]:
    """Addresses of the matrix's other pages, keeping the manager's filters and sort."""
    def page_url(number: int) -> str:
        return url_for("venue_training.overview", venue_id=venue_id, module=module, status=state,
                       sort=None if sort == "name" else sort, leavers=1 if leavers else None,
                       page=number if number > 1 else None)
    return page_url


def _person_urls(venue_id: int) -> Callable[[int], str]:
    """Person-page addresses for a whole matrix without a url_for per person."""
    base = url_for("venue_training.person", venue_id=venue_id, membership_id=0).removesuffix("0")
    return lambda membership_id: f"{base}{membership_id}"


def _terms(modules: Sequence[Module]) -> list[ModuleTerm]:
    return [ModuleTerm(m.slug, m.title, m.valid_for_months) for m in modules]


def _policy_form(venue: Venue, modules: Sequence[Module]) -> TrainingPolicyForm:
    required = venue.required_modules
    form = TrainingPolicyForm(data={
        "refresher_months": venue.refresher_months,
        "required": [m.slug for m in modules] if required is None else list(required),
        "starter_deadline_days": venue.starter_deadline_days})
    form.required.choices = [(m.slug, _module_choice(m)) for m in modules]
    return form


def _module_choice(module: Module) -> str:
    return _("%(title)s (valid for %(n)d months)", title=module.title, n=module.valid_for_months)
