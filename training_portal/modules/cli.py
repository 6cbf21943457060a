"""flask content check [DIR] and flask content reload."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from training_portal.modules.catalog import CatalogHolder, load_catalog, module_folders, replacement_notes
from training_portal.modules.publish import PublishRefused, publish_draft
from training_portal.problems import Problem

content_cli = AppGroup("content", help="Check and reload the training content (modules and quizzes).")


def _report(problems: list[Problem] | tuple[Problem, ...], module_count: int) -> int:
    for problem in problems:
        click.echo(f"{problem.severity}: {problem}")
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    click.echo(
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
        f"in {module_count} module{'s' * (module_count != 1)}"
    )
    return 1 if errors else 0


@content_cli.command("check", with_appcontext=False)
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def check_command(directory: Path | None) -> None:
    """Check every module in DIR (default: $CONTENT_DIR or ./content). Exit status 1 on any error."""
    content_dir = directory or Path(os.environ.get("CONTENT_DIR", "content"))
    catalog, problems = load_catalog(content_dir)
    status = _report(problems, len(module_folders(content_dir)))
    for note in replacement_notes(catalog) if catalog else []:
        click.echo(f"note: {note}")
    raise SystemExit(status)


@content_cli.command("publish", with_appcontext=False)
@click.argument("draft")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def publish_command(draft: str, directory: Path | None) -> None:
    """Publish DRAFT (a module folder with replaces:) over the module it replaces, in DIR (default ./content)."""
    content_dir = directory or Path(os.environ.get("CONTENT_DIR", "content"))
    try:
        click.echo(publish_draft(content_dir, draft))
    except PublishRefused as refused:
        click.echo(f"not published: {refused}")
        raise SystemExit(1) from None


@content_cli.command("reload")
def reload_command() -> None:
    """Load the content now in this process and report; running servers notice changes on their own."""
    holder: CatalogHolder = current_app.extensions["catalog"]
    swapped = holder.reload()
    status = _report(holder.problems, len(module_folders(holder.content_dir)))
    if swapped:
        click.echo(
            f"loaded {len(holder.current.ordered)} modules; running servers pick up the same files "
            f"within {holder.interval:g} seconds of their next request"
        )
    else:
        click.echo("not loaded: fix the errors above; servers keep showing the last good content")
    if holder.failed:
        click.echo("kept at their last good version (or left out if they never loaded): "
                   + ", ".join(sorted(holder.failed)))
    raise SystemExit(status)


if __name__ == "__main__":  # python -m training_portal.modules.cli check [DIR], for CI without an app
    content_cli()
