"""Trainers' insights: which questions people miss, per module and across modules; pages and CSV."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, current_app, render_template
from werkzeug.wrappers import Response

from training_portal.content_access import any_module_or_404, catalog
from training_portal.csv_export import csv_bytes
from training_portal.policy import Rule, access
from training_portal.reports import question_tables, questions

bp = Blueprint("insights", __name__, url_prefix="/trainer")


@bp.route("/insights")
@access(Rule.TRAINER)
def overview() -> str:
    modules = catalog().ordered
    return render_template("trainer/insights.html", modules=modules,
                           lists=questions.programme_insights(modules))


@bp.route("/insights.csv")
@access(Rule.TRAINER)
def overview_csv() -> Response:
    """The page's lists across modules (most missed, confusing, too easy), one row per question."""
    lists = questions.programme_insights(catalog().ordered)
    return _csv(question_tables.LISTS_HEADER, question_tables.programme_rows(lists),
                "question-insights.csv")


@bp.route("/modules/<slug>/insights")
@access(Rule.TRAINER)
def module(slug: str) -> str:
    found = any_module_or_404(slug)
    return render_template("trainer/module_insights.html", module=found,
                           insights=questions.module_insights(found))


@bp.route("/modules/<slug>/insights.csv")
@access(Rule.TRAINER)
def module_csv(slug: str) -> Response:
    """Every question of the module page, now and before the last change, one row each."""
    found = any_module_or_404(slug)
    rows = question_tables.module_rows(questions.module_insights(found))
    return _csv(question_tables.MODULE_HEADER, rows,
                f"question-insights-{found.slug}-{found.version}.csv")


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]], filename: str) -> Response:
    response = current_app.response_class(csv_bytes(header, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
