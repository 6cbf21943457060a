"""Trainers' pages: content problems, and a preview of every module (drafts too) with answers."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from training_portal.content_access import any_module_or_404, holder
from training_portal.policy import Rule, access

bp = Blueprint("trainer", __name__, url_prefix="/trainer")


@bp.route("/")
@access(Rule.TRAINER)
def content_status() -> str:
    current = holder()
    return render_template("trainer/status.html", catalog=current.current,
                           problems=current.problems, loaded_at=current.loaded_at,
                           attempted_at=current.attempted_at)


@bp.route("/modules/<slug>/<int:number>")
@access(Rule.TRAINER)
def preview_page(slug: str, number: int) -> str:
    module = any_module_or_404(slug)
    if not 1 <= number <= len(module.pages):
        abort(404)
    return render_template("modules/page.html", module=module, page=module.pages[number - 1],
                           number=number, preview=True)


@bp.route("/modules/<slug>/quiz")
@access(Rule.TRAINER)
def preview_quiz(slug: str) -> str:
    return render_template("trainer/quiz.html", module=any_module_or_404(slug))
