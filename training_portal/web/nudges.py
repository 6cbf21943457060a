"""A manager nudges one person from the venue's training matrix (the email is queued)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from training_portal import policy
from training_portal.extensions import db
from training_portal.policy import Rule, access
from training_portal.reminders import nudges
from training_portal.urls import safe_next
from training_portal.venues import services
from training_portal.venues.models import Membership, Venue
from training_portal.web.venue_forms import ButtonForm

bp = Blueprint("nudges", __name__)
bp.add_app_template_global(nudges.nudge_status, "nudge_status")


def _managed_venue(venue_id: int) -> Venue:
    """Load → check: a venue the user may not manage is 'not found', as in web/venues.py."""
    venue = db.session.get(Venue, venue_id)
    if venue is None or not policy.can_manage_venue(current_user, venue):
        abort(404)
    return venue


def _current_member(venue: Venue, membership_id: int) -> Membership:
    """Another venue's membership, or a leaver's, is 'not found'."""
    membership = services.membership_in_venue(venue, membership_id)
    if membership is None or membership.left_at is not None:
        abort(404)
    return membership


@bp.route("/venues/<int:venue_id>/people/<int:membership_id>/nudge", methods=["POST"])
@access(Rule.OBJECT)
def nudge(venue_id: int, membership_id: int) -> Response:
    venue = _managed_venue(venue_id)
    membership = _current_member(venue, membership_id)
    if ButtonForm().validate_on_submit():
        try:
            nudges.nudge(current_user, venue, membership)
        except nudges.NudgeRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
        else:
            db.session.commit()
            flash(_("We have emailed %(name)s a reminder.", name=membership.user.name))
    back = safe_next(request.form.get("next"))
    return redirect(back or url_for("venue_training.overview", venue_id=venue.id))
