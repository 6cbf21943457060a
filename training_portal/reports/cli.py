"""flask reports rebuild-question-stats: recompute the per-question summaries from the attempts."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from training_portal.extensions import db
from training_portal.learning import question_stats

reports_cli = AppGroup("reports", help="Maintain the summaries behind reports.")


@reports_cli.command("rebuild-question-stats")
def rebuild_question_stats() -> None:
    """Replace question_stats with figures recomputed from every graded attempt (one transaction).

    Run once after upgrading to a release that adds the table, and after any fix to how
    answers are counted; grading keeps the figures up to date otherwise.
    """
    count = question_stats.rebuild()
    db.session.commit()
    click.echo(f"Question statistics rebuilt from {count} graded attempt{'s' * (count != 1)}.")
