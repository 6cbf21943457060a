from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from training_portal import policy
from training_portal.extensions import db, limiter
from training_portal.notifications.mail import external_url
from training_portal.notifications.venues import send_manager_invitation
from training_portal.policy import Rule, access
from training_portal.venues import services
from training_portal.venues.models import Membership, Venue
from training_portal.web.venue_forms import ButtonForm, CoManagerForm, JoinCodeForm, VenueForm

bp = Blueprint("venues", __name__)
PENDING_JOIN = "pending_join"  # cookie: the /join/<code> this browser opened while signed out


def _managed_venue(venue_id: int) -> Venue:
    """Load → check: a venue the user may not manage is 'not found', so ids reveal nothing."""
    venue = db.session.get(Venue, venue_id)
    if venue is None or not policy.can_manage_venue(current_user, venue):
        abort(404)
    return venue


def _member(venue: Venue, membership_id: int) -> Membership:
    membership = services.membership_in_venue(venue, membership_id)
    if membership is None:
        abort(404)
    return membership


@bp.route("/venues")
@access(Rule.SIGNED_IN)
def index() -> str:
    return render_template("venues/index.html", venues=services.venues_managed_by(current_user))


@bp.route("/venues/new", methods=["GET", "POST"])
@access(Rule.SIGNED_IN)
def create() -> str | Response:
    policy.require(policy.can_create_venue(current_user))
    form = VenueForm()
    if form.validate_on_submit():
        venue = services.create_venue(current_user, form.name.data, form.address.data,
                                      form.postcode.data, form.licence_number.data)
        db.session.commit()
        flash(_("%(name)s is set up. Print the poster and pin it up for your staff.",
                name=venue.name))
        return redirect(url_for("venues.show", venue_id=venue.id))
    return render_template("venues/form.html", form=form, venue=None)


def _venue_page(venue: Venue, co_manager_form: CoManagerForm | None = None,
                status: int = 200) -> tuple[str, int]:
    return render_template(
        "venues/show.html", venue=venue, members=services.active_members(venue),
        invitations=services.pending_invitations(venue),
        former=services.former_members(venue), button=ButtonForm(),
        co_manager_form=co_manager_form or CoManagerForm(),
        can_change_managers=policy.can_change_managers(current_user, venue),
        join_url=external_url("venues.join", code=venue.join_code)), status


@bp.route("/venues/<int:venue_id>")
@access(Rule.OBJECT)
def show(venue_id: int) -> tuple[str, int]:
    return _venue_page(_managed_venue(venue_id))


@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@access(Rule.OBJECT)
def edit(venue_id: int) -> str | Response:
    venue = _managed_venue(venue_id)
    form = VenueForm(obj=venue)
    if form.validate_on_submit():
        services.update_venue(current_user, venue, form.name.data, form.address.data,
                              form.postcode.data, form.licence_number.data)
        db.session.commit()
        flash(_("Venue details saved."))
        return redirect(url_for("venues.show", venue_id=venue.id))
    return render_template("venues/form.html", form=form, venue=venue)


@bp.route("/venues/<int:venue_id>/poster.pdf")
@access(Rule.OBJECT)
def poster(venue_id: int) -> Response:
    from training_portal.certificates.poster import render_join_poster

    venue = _managed_venue(venue_id)
    pdf = render_join_poster(venue.name, venue.join_code,
                             external_url("venues.join", code=venue.join_code),
                             current_app.extensions["certificate_design"])
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="join-poster.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/venues/<int:venue_id>/rotate-code", methods=["POST"])
@access(Rule.OBJECT)
def rotate_code(venue_id: int) -> Response:
    venue = _managed_venue(venue_id)
    if ButtonForm().validate_on_submit():
        services.rotate_join_code(current_user, venue)
        db.session.commit()
        flash(_("New join code: %(code)s. The old code and poster no longer work.",
                code=venue.join_code))
    return redirect(url_for("venues.show", venue_id=venue.id))


@bp.route("/venues/<int:venue_id>/members/<int:membership_id>/leave", methods=["GET", "POST"])
@access(Rule.OBJECT)
def mark_leaver(venue_id: int, membership_id: int) -> str | Response:
    """GET asks to confirm (a mis-tap on a phone must not remove anyone); POST does it."""
    venue = _managed_venue(venue_id)
    membership = _member(venue, membership_id)
    if request.method == "GET":
        return render_template("venues/confirm_leaver.html", venue=venue, membership=membership,
                               form=ButtonForm())
    if ButtonForm().validate_on_submit():
        _apply(lambda: services.mark_leaver(current_user, membership),
               _("%(name)s is marked as having left. Their training records are kept.",
                 name=membership.user.name))
    return redirect(url_for("venues.show", venue_id=venue.id))


@bp.route("/venues/<int:venue_id>/managers", methods=["POST"])
@access(Rule.OBJECT)
def add_manager(venue_id: int) -> tuple[str, int] | Response:
    """Invites; the same answer whether or not an account uses the address."""
    venue = _managed_venue(venue_id)
    policy.require(policy.can_change_managers(current_user, venue))
    form = CoManagerForm()
    if not form.validate_on_submit():
        return _venue_page(venue, form, 400)
    invitation = services.invite_co_manager(current_user, venue, form.email.data)
    send_manager_invitation(invitation, venue, current_user)  # queued: one commit for both
    db.session.commit()
    flash(_("We have emailed an invitation to %(email)s. They become a manager of this venue "
            "when they accept it.", email=form.email.data))
    return redirect(url_for("venues.show", venue_id=venue.id))


@bp.route("/venues/<int:venue_id>/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@access(Rule.OBJECT)
def withdraw_invitation(venue_id: int, invitation_id: int) -> Response:
    venue = _managed_venue(venue_id)
    policy.require(policy.can_change_managers(current_user, venue))
    invitation = services.invitation_in_venue(venue, invitation_id)
    if invitation is None:
        abort(404)
    if ButtonForm().validate_on_submit():
        services.withdraw_invitation(current_user, invitation)
        db.session.commit()
        flash(_("The invitation is withdrawn; its link no longer works."))
    return redirect(url_for("venues.show", venue_id=venue.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@access(Rule.SIGNED_IN)
def invitation(token: str) -> str | Response:
    """GET shows the invitation; POST accepts or declines it (a mail scanner's GET changes nothing)."""
    found = services.find_invitation(token)
    problem = services.invitation_problem(found, current_user)
    if problem is not None or found is None:
        return render_template("venues/invitation.html", problem=problem, invitation=None,
                               form=ButtonForm())
    if request.method == "POST" and ButtonForm().validate_on_submit():
        if "decline" in request.form:
            _apply(lambda: services.decline_invitation(current_user, found),
                   _("You declined the invitation. Nothing has changed."))
            return redirect(url_for("main.home"))
        _apply(lambda: services.accept_invitation(current_user, found),
               _("You are now a manager of %(venue)s.", venue=found.venue.name))
        return redirect(url_for("venues.show", venue_id=found.venue_id))
    return render_template("venues/invitation.html", problem=None, invitation=found,
                           form=ButtonForm())


@bp.route("/venues/<int:venue_id>/managers/<int:membership_id>/remove", methods=["POST"])
@access(Rule.OBJECT)
def remove_manager(venue_id: int, membership_id: int) -> Response:
    venue = _managed_venue(venue_id)
    policy.require(policy.can_change_managers(current_user, venue))
    membership = _member(venue, membership_id)
    if ButtonForm().validate_on_submit():
        _apply(lambda: services.remove_co_manager(current_user, membership),
               _("%(name)s is no longer a manager.", name=membership.user.name))
    return redirect(url_for("venues.show", venue_id=venue.id))


def _apply(change: Callable[[], object], success_message: str) -> None:
    try:
        change()
    except services.VenueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(success_message)


def _join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


@bp.route("/join", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.shared_limit(_join_limit, scope="join")
def join_form() -> str | Response:
    form = JoinCodeForm()
    if form.validate_on_submit():
        code = services.normalise_join_code(form.code.data)
        if code is not None:
            return redirect(url_for("venues.join", code=code))
        form.code.errors.append(_("That is not a venue code. Codes have 8 letters and numbers."))
    return render_template("venues/join_form.html", form=form)


@bp.route("/join/<code>", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.shared_limit(_join_limit, scope="join")
def join(code: str) -> str | Response:
    venue = services.find_venue_by_code(code)
    if venue is None:
        return render_template("venues/join_unknown.html", code=code), 404  # type: ignore[return-value]
    form = ButtonForm()
    # Opened signed out, then registered or logged in: a cookie of this browser remembers the code
    # (log-in starts a fresh session), so landing back here joins at once. Another site cannot set
    # it, so a link alone never joins someone who is already signed in.
    pending = request.cookies.get(PENDING_JOIN) == venue.join_code and request.method == "GET"
    if current_user.is_authenticated and (pending or form.validate_on_submit()):
        _membership, is_new = services.join_venue(current_user, venue)
        db.session.commit()
        flash(_("You are a member of %(venue)s.", venue=venue.name) if is_new
              else _("You are already a member of %(venue)s.", venue=venue.name))
        response = redirect(url_for("modules.my_training"))
        response.delete_cookie(PENDING_JOIN, path="/join")
        return response
    already = current_user.is_authenticated and policy.active_membership(current_user, venue)
    response = make_response(render_template("venues/join.html", venue=venue, form=form, already=already))
    if not current_user.is_authenticated:
        response.set_cookie(PENDING_JOIN, venue.join_code, max_age=3600, path="/join", httponly=True,
                            samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response
