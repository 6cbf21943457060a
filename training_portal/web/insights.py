"""Trainers' insights: which questions people miss, per module and across modules."""

from __future__ import annotations

from flask import Blueprint, render_template

from training_portal.content_access import any_module_or_404, catalog
from training_portal.policy import Rule, access
from training_portal.reports import questions

bp = Blueprint("insights", __name__, url_prefix="/trainer")


@bp.route("/insights")
@access(Rule.TRAINER)
def overview() -> str:
    modules = catalog().ordered
    return render_template("trainer/insights.html", modules=modules,
                           lists=questions.programme_insights(modules))


@bp.route("/modules/<slug>/insights")
@access(Rule.TRAINER)
def module(slug: str) -> str:
    found = any_module_or_404(slug)
    return render_template("trainer/module_insights.html", module=found,
                           insights=questions.module_insights(found))
