"""Publish a draft of the next version (a folder whose module.md says `replaces: <slug>`).

The draft's files take the place of the published module's files in its own folder (so the
module keeps its name, its records and its certificates), the front matter says
`status: published` without `replaces:`, and the draft folder is removed. Nothing changes
unless the draft and the module it replaces load without errors.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from training_portal.modules.catalog import load_modules

_STATUS = re.compile(r"^status[ \t]*:.*$", re.M)
_REPLACES = re.compile(r"^replaces[ \t]*:.*\n?", re.M)


class PublishRefused(Exception):
    """Why the draft cannot be published yet (said to the trainer as it is)."""


def publish_draft(content_dir: Path, draft_slug: str) -> str:
    """Move the draft's files into the module it replaces; return what happened, in a sentence."""
    result = load_modules(content_dir)
    draft = result.good.get(draft_slug)
    if draft is None or not draft.replaces:
        if draft_slug in result.failed:
            raise PublishRefused(f'"{draft_slug}" has errors — run the check and fix them first')
        raise PublishRefused(f'"{draft_slug}" is not a draft with a replaces: line — nothing to publish')
    target = draft.replaces
    if target in result.failed:
        raise PublishRefused(f'"{target}" has errors — run the check and fix them first')
    source, destination = content_dir / "modules" / draft_slug, content_dir / "modules" / target
    _replace_files(source, destination)
    shutil.rmtree(source)
    return (f'published version {draft.version} of "{target}" from "{draft_slug}" (that folder is removed); '
            "staff see it once the server's content folder has this change")


def _replace_files(source: Path, destination: Path) -> None:
    for old in destination.iterdir():
        if old.is_file() and not old.name.startswith("."):
            old.unlink()
    for new in source.iterdir():
        if new.is_file() and not new.name.startswith("."):
            shutil.copy2(new, destination / new.name)
    module_md = destination / "module.md"
    text = module_md.read_text(encoding="utf-8-sig")
    end = text.index("\n---", 3)  # the front matter loaded, so it is closed
    front = _REPLACES.sub("", _STATUS.sub("status: published", text[:end], count=1))
    module_md.write_text(front + text[end:], encoding="utf-8")
