from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from training_portal import policy
from training_portal.content_access import catalog, lesson_page_or_404, published_module_or_404
from training_portal.extensions import db
from training_portal.learning import confidence
from training_portal.learning.progress import ModuleProgress, training_progress
from training_portal.learning.reading import pages_read, record_page_view, resume_page
from training_portal.learning.venue_policy import MemberVenue, refreshers_by_module, venues_of_member
from training_portal.modules.content import Module
from training_portal.policy import Rule, access
from training_portal.timeutil import site_today
from training_portal.web.page_cache import menu_variant
from training_portal.web.venue_forms import ButtonForm

bp = Blueprint("modules", __name__)


def render_my_training() -> str:
    """My training, rendered again only when something it shows has changed.

    The figures are read on every request (two statements); rendering them is most of the
    page's cost, so the rendered page is kept under a key made of everything it shows: the
    person, their name and menu, the language, each module's version and standing, and
    their venues. A change to any of them is a new key, so a kept page is never stale."""
    modules = catalog().published()
    venues = venues_of_member(current_user.id)
    refreshers = refreshers_by_module([v.policy for v in venues], modules)
    rows = training_progress(current_user.id, modules, site_today(), refreshers)

    def render() -> str:
        return render_template("modules/my_training.html", rows=rows, memberships=venues)

    if session.get("_flashes"):
        return render()
    return current_app.extensions["my_training_pages"].get_or_render(
        my_training_key(rows, venues), render)


def my_training_key(rows: Sequence[ModuleProgress], venues: Sequence[MemberVenue]) -> tuple[object, ...]:
    """Everything My training shows, as a hashable key (modules by slug and content hash)."""
    return (request.path, current_user.id, current_user.name, menu_variant(current_user), str(get_locale()),
            tuple((r.module.slug, r.module.content_hash, r.standing, r.completion, r.pages_read,
                   r.resume_page, tuple((m.slug, m.content_hash) for m in r.do_first)) for r in rows),
            tuple((v.venue_id, v.venue_name, v.is_manager) for v in venues))


@bp.route("/my/training")
@access(Rule.SIGNED_IN)
def my_training() -> str:
    """A stable address for My training: managers' home page is their venue's overview."""
    return render_my_training()


@bp.route("/modules/<slug>")
@access(Rule.SIGNED_IN)
def start(slug: str) -> str | Response:
    module = published_module_or_404(slug)
    seen = frozenset(pages_read(current_user.id, [slug]).get(slug, ()))
    if not seen and not confidence.has_answered(current_user.id, module, confidence.BEFORE):
        return render_template("modules/confidence.html", module=module, stage="before",
                               form=ButtonForm(), attempt_id=None)
    return redirect(url_for("modules.page", slug=slug, number=resume_page(module, seen)))


@bp.route("/modules/<slug>/<int:number>")
@access(Rule.SIGNED_IN)
def page(slug: str, number: int) -> str:
    module = published_module_or_404(slug)
    lesson_page_or_404(module, number)
    _remember_page_read(slug, number)
    if session.get("_flashes"):
        return _render_page(module, number)
    user = current_user._get_current_object()  # menu_variant asks four questions of it
    # Pages are translated with the site's one language (extensions.install_site_gettext),
    # read from the settings: Flask-Babel's get_locale() cost a twentieth of a cached page.
    key = (slug, module.content_hash, number, current_app.config["BABEL_DEFAULT_LOCALE"], menu_variant(user))
    return current_app.extensions["lesson_pages"].get_or_render(
        key, lambda: _render_page(module, number))


def _render_page(module: Module, number: int) -> str:
    return render_template("modules/page.html", module=module,
                           page=lesson_page_or_404(module, number), number=number, preview=False)


def _remember_page_read(slug: str, number: int) -> None:
    """The database keeps pages read; the session remembers them too, so re-reading a page
    (the common case on a phone: back, forward, reload) costs no query."""
    read = session.get("read", {})
    bit = 1 << (number - 1)
    if read.get(slug, 0) & bit:
        return
    if record_page_view(current_user.id, slug, number):
        db.session.commit()
    session["read"] = {**read, slug: read.get(slug, 0) | bit}


@bp.route("/modules/<slug>/confidence", methods=["POST"])
@access(Rule.SIGNED_IN)
def rate_confidence(slug: str) -> Response:
    module = published_module_or_404(slug)
    stage = request.form.get("stage", "")
    rating = request.form.get("rating", "")
    attempt_id = request.form.get("attempt_id", type=int)
    if ButtonForm().validate_on_submit() and stage in confidence.STAGES:
        value = None if "skip" in request.form else confidence.parse_rating(rating)
        if stage == confidence.AFTER and not _own_passed_attempt(attempt_id, module.slug):
            abort(404)
        confidence.record(current_user.id, module, stage, value, attempt_id)
        db.session.commit()
    if stage == confidence.AFTER:
        return redirect(url_for("main.home"))
    return redirect(url_for("modules.page", slug=slug, number=1))


def _own_passed_attempt(attempt_id: int | None, slug: str) -> bool:
    from training_portal.learning.models import Attempt

    attempt = db.session.get(Attempt, attempt_id) if attempt_id else None
    return bool(attempt and attempt.user_id == current_user.id and attempt.module_slug == slug
                and attempt.passed)


@bp.route("/modules/<slug>/images/<filename>")
@access(Rule.PUBLIC)
def image(slug: str, filename: str) -> Response:
    """Images of published modules are public (like the stylesheet); drafts' need a trainer."""
    module = catalog().get(slug)
    if module is None or (not module.is_published and not policy.can_preview_content(current_user)):
        abort(404)
    found = module.images.get(filename)
    if found is None:
        abort(404)
    response = current_app.response_class(found.data, mimetype=found.media_type)
    response.set_etag(found.sha256)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response.make_conditional(request)

