"""The trainers' question insights as CSV tables: the same figures, and the same withheld ones,
as the insights pages (`reports.questions`), one row per question.

Every count or share is printed through `suppression.Figure.text()`, so a figure the page hides
stays hidden here ("fewer than 5"). The one plain number, the change in share right after the
last content change, exists only when both shares it is made of may be shown. Cells are
neutralised for spreadsheets by `csv_export.csv_bytes` (question and choice texts are written
by trainers, and a text starting with ``=`` must stay text).
"""

from __future__ import annotations

from collections.abc import Sequence

from training_portal.reports.questions import ModuleInsights, ProgrammeInsights, QuestionInsight

Row = tuple[str | int | None, ...]

NONE_TO_SHOW = "none to show"

MODULE_HEADER = (
    "Question ID", "Question", "In the question bank", "Answers now", "Share right now",
    "Answers before the last change", "Share right before the last change",
    "Change in share right (points)", "Wrong choice picked most", "Times picked")

LISTS_HEADER = (
    "List", "Rank", "Module", "Question ID", "Question", "Answers", "Share right",
    "Wrong choice picked most", "Times picked")

#: The page's lists, in the page's order: (name in the CSV, attribute of `ProgrammeInsights`).
LISTS = (("Most missed", "most_missed"), ("Confusing or wrong", "confusing"), ("Too easy", "too_easy"))


def module_rows(insights: ModuleInsights) -> list[Row]:
    """One row per question of the module page, in the page's order (bank order, then removed)."""
    return [_module_row(i) for i in insights.questions]


def programme_rows(lists: ProgrammeInsights) -> list[Row]:
    """The cross-module lists, one after another, each row naming its list and rank."""
    rows: list[Row] = []
    for name, attribute in LISTS:
        items: Sequence[QuestionInsight] = getattr(lists, attribute)
        for rank, item in enumerate(items, start=1):
            rows.append((name, rank, item.module.title, item.question_id, _question_text(item),
                         item.now.answers_figure.text(), item.now.share_figure.text(), *_wrong(item)))
    return rows


def _module_row(item: QuestionInsight) -> Row:
    change = None if item.change is None else round(item.change * 100)
    return (item.question_id, _question_text(item), "removed" if item.removed else "yes",
            item.now.answers_figure.text(), item.now.share_figure.text(),
            item.before.answers_figure.text(), item.before.share_figure.text(), change,
            *_wrong(item))


def _question_text(item: QuestionInsight) -> str | None:
    return item.question.text if item.question else None


def _wrong(item: QuestionInsight) -> tuple[str, str | None]:
    """The wrong choice picked most, as the page shows it: only beside figures that are shown."""
    wrong = item.top_wrong
    if wrong is None or not item.main.shown:
        return NONE_TO_SHOW, None
    text = wrong.text if wrong.text is not None else f"choice {wrong.choice_id} (no longer in the question)"
    return text, wrong.picks_figure.text()
