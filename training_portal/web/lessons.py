from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from training_portal import policy
from training_portal.content_access import catalog, lesson_page_or_404, published_module_or_404
from training_portal.extensions import db
from training_portal.learning import confidence
from training_portal.learning.progress import MyTrainingFacts, my_training_facts
from training_portal.learning.reading import pages_read, record_page_view, resume_page
from training_portal.modules.catalog import Catalog
from training_portal.modules.content import Module
from training_portal.policy import Rule, access
from training_portal.timeutil import site_today
from training_portal.web.page_cache import menu_variant, site_locale
from training_portal.web.venue_forms import ButtonForm

bp = Blueprint("modules", __name__)


def render_my_training() -> str:
    """My training, rendered again only when something it shows has changed.

    The facts are read on every request (one statement). Deriving standings from them and
    rendering is most of the page's cost, so the rendered page is kept under a key made of
    everything it shows: the person, their name and menu, the language, the content, today's
    date and the facts themselves. A change to any of them is a new key, so a kept page is
    never stale, and a kept page costs no status derivation at all."""
    user = current_user._get_current_object()
    content = catalog()
    facts = my_training_facts(user.id)
    today = site_today()

    def render() -> str:
        return render_template("modules/my_training.html",
                               rows=facts.progress(content.published(), today),
                               memberships=facts.venues())

    if session.get("_flashes"):
        return render()
    return current_app.extensions["my_training_pages"].get_or_render(
        my_training_key(user, content, today, facts), render)


def my_training_key(user: Any, content: Catalog, today: date, facts: MyTrainingFacts) -> tuple[object, ...]:
    """Everything My training shows, as a hashable key: the catalog by its combined content
    hash (every module's files, in order), the database's facts as their rows."""
    return (request.path, user.id, user.name, menu_variant(user), site_locale(),
            content.content_hash, today, facts.rows)


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
    key = (slug, module.content_hash, number, site_locale(), menu_variant(user))
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

