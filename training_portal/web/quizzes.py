from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from training_portal.certificates import services as certificates
from training_portal.certificates.models import Certificate
from training_portal.content_access import catalog, published_module_or_404
from training_portal.db import utcnow
from training_portal.extensions import db
from training_portal.learning import attempts as services
from training_portal.learning import confidence
from training_portal.learning.models import Attempt, Completion
from training_portal.modules.content import Module
from training_portal.notifications.certificates import send_pass_email
from training_portal.policy import Rule, access
from training_portal.quizzes.bank import Choice, Question
from training_portal.timeutil import site_today, site_zone
from training_portal.web import quiz_page
from training_portal.web.venue_forms import ButtonForm

bp = Blueprint("quizzes", __name__)
bp.record_once(lambda state: quiz_page.init_app(state.app))
ANSWER_PREFIX = "q-"


def _pause() -> int:
    return current_app.config["QUIZ_RETRY_PAUSE_SECONDS"]


def _own_attempt(public_id: str) -> Attempt:
    attempt = services.find_own_attempt(current_user.id, public_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.route("/modules/<slug>/quiz")
@access(Rule.SIGNED_IN)
def intro(slug: str) -> str:
    module = published_module_or_404(slug)
    gate = services.quiz_gate(current_user.id, module, catalog().modules, site_today(), _pause())
    return render_template("quizzes/intro.html", module=module, gate=gate, form=ButtonForm(),
                           modules=catalog().modules,
                           open_attempt=services.open_attempt(current_user.id, module))


@bp.route("/modules/<slug>/quiz/start", methods=["POST"])
@access(Rule.SIGNED_IN)
def start(slug: str) -> Response:
    module = published_module_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(current_user.id, module, catalog().modules,
                                         site_today(), _pause())
    except services.QuizError as exc:
        flash(str(exc), "error")
        return redirect(url_for("quizzes.intro", slug=slug))
    db.session.commit()
    return redirect(url_for("quizzes.take", public_id=attempt.public_id))


@bp.route("/quiz/<public_id>", methods=["GET", "POST"])
@access(Rule.OBJECT)
def take(public_id: str) -> tuple[str, int] | Response:
    if request.method == "POST":
        return _submit(public_id)
    shown = services.find_own_attempt_to_show(current_user.id, public_id)
    if shown is None:
        abort(404)
    module = published_module_or_404(shown.module_slug)
    closed = _closed(shown, module, public_id)
    if closed is not None:
        return closed
    return quiz_page.render(module, services.questions_to_show(shown, module)), 200


def _closed(attempt: Attempt | services.AttemptToShow, module: Module, public_id: str) -> Response | None:
    """Where a graded or abandoned attempt's quiz page sends the person instead."""
    if attempt.graded_at is not None:
        return redirect(url_for("quizzes.result", public_id=public_id))
    if attempt.abandoned_at is not None:
        flash(_("This attempt was closed because the module changed. Start the quiz again."), "error")
        return redirect(url_for("quizzes.intro", slug=module.slug))
    return None


def _submit(public_id: str) -> tuple[str, int] | Response:
    attempt = _own_attempt(public_id)
    module = published_module_or_404(attempt.module_slug)
    closed = _closed(attempt, module, public_id)
    if closed is not None:
        return closed
    if not ButtonForm().validate_on_submit():
        abort(400)
    chosen = _answers_from(request.form)
    try:
        graded_now = services.submit_attempt(attempt, module, chosen, site_today())
    except services.AnswersIncomplete as exc:  # the form again, with a message and the answers kept
        return quiz_page.render(module, services.drawn_questions(attempt, module), chosen,
                                exc.unanswered), 200
    except services.QuizError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("quizzes.intro", slug=module.slug))
    if graded_now and attempt.passed:
        certificates.issue_for(attempt)
        send_pass_email(attempt)  # queued with the pass: one commit, all or nothing
    db.session.commit()
    return redirect(url_for("quizzes.result", public_id=public_id))


def _answers_from(form: MultiDict[str, str]) -> dict[str, list[str]]:
    return {key[len(ANSWER_PREFIX):]: form.getlist(key)
            for key in form if key.startswith(ANSWER_PREFIX)}


def _drawn_questions(attempt: Attempt, module: Module) -> list[tuple[Question, list[Choice]]]:
    """(question, [choices in the drawn order]) as the attempt was drawn (its snapshot)."""
    return [(question, [c for cid in shown if (c := question.choice(cid))])
            for question, shown in services.drawn_questions(attempt, module)]


@bp.route("/quiz/<public_id>/result")
@access(Rule.OBJECT)
def result(public_id: str) -> str | Response:
    attempt = _own_attempt(public_id)
    if attempt.graded_at is None:
        return redirect(url_for("quizzes.take", public_id=public_id))
    module = published_module_or_404(attempt.module_slug)
    certificate = db.session.scalar(
        db.select(Certificate).join(Completion).where(Completion.attempt_id == attempt.id,
                                                      Certificate.replaced_at.is_(None)))
    ask_confidence = bool(attempt.passed) and not confidence.has_answered(
        current_user.id, module, confidence.AFTER, attempt.id)
    questions = _drawn_questions(attempt, module)
    retry_at, wait = _retry_time(attempt)
    return render_template("quizzes/result.html", module=module, attempt=attempt,
                           questions=questions, certificate=certificate,
                           pass_mark=attempt.pass_mark if attempt.pass_mark is not None else (
                               module.quiz.pass_mark if module.quiz else 0),
                           ask_confidence=ask_confidence, form=ButtonForm(),
                           retry_at=retry_at, wait_seconds=wait,
                           reread=_pages_to_reread(attempt, module, questions))


def _retry_time(attempt: Attempt) -> tuple[datetime | None, int]:
    """When a failed attempt's retry opens (site time) and the seconds left; (None, 0) once open."""
    if attempt.passed or attempt.graded_at is None:
        return None, 0
    opens = attempt.graded_at + timedelta(seconds=_pause())
    left = math.ceil((opens - utcnow()).total_seconds())
    return (opens.astimezone(site_zone()), left) if left > 0 else (None, 0)


def _pages_to_reread(attempt: Attempt, module: Module,
                     questions: list[tuple[Question, list[Choice]]]) -> list[tuple[int, str]]:
    """(page number, title) of the lesson pages that teach the questions answered wrong, in page order."""
    numbers = {module.page_number(q.page) for q, _ in questions if not (attempt.results or {}).get(q.id)}
    return [(n, module.pages[n - 1].title) for n in sorted(n for n in numbers if n is not None)]
