"""flask reports …: recompute the summaries behind reports from the raw rows."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from training_portal.extensions import db
from training_portal.learning import learner_summary, question_stats

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


@reports_cli.command("refresh")
def refresh() -> None:
    """Rebuild learner_module_summary (per person × module) from every attempt and pass (one transaction).

    Run once after upgrading to the release that adds the table (migration 5c1f3e8a7b42), and
    after any fix to how the figures are counted; grading and revocation keep it in step
    otherwise. Safe to run again at any time; best when the site is quiet.
    """
    count = learner_summary.rebuild()
    db.session.commit()
    click.echo(f"Learner summary rebuilt: {count} person × module row{'s' * (count != 1)}.")
