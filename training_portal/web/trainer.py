"""Trainers' pages: content problems, and a preview of every module (drafts too) with answers."""

from __future__ import annotations

from flask import Blueprint, render_template

from training_portal.content_access import any_module_or_404, holder, lesson_page_or_404
from training_portal.policy import Rule, access

bp = Blueprint("trainer", __name__, url_prefix="/trainer")


@bp.route("/")
@access(Rule.TRAINER)
def content_status() -> str:
    current = holder()
    return render_template("trainer/status.html", catalog=current.current,
                           problems=current.problems, loaded_at=current.loaded_at,
                           attempted_at=current.attempted_at, failed=current.failed)


@bp.route("/modules/<slug>/<int:number>")
@access(Rule.TRAINER)
def preview_page(slug: str, number: int) -> str:
    module = any_module_or_404(slug)
    return render_template("modules/page.html", module=module,
                           page=lesson_page_or_404(module, number), number=number, preview=True)


@bp.route("/modules/<slug>/quiz")
@access(Rule.TRAINER)
def preview_quiz(slug: str) -> str:
    return render_template("trainer/quiz.html", module=any_module_or_404(slug))
