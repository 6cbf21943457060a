"""Fingerprinted static files: ``url_for('static', filename='site.css')`` emits
``/static/site.<hash>.css``, where the hash is of the file's bytes, computed once at start-up.

A fingerprinted URL never changes meaning, so it is served with a year-long immutable cache
and a second visit costs only the HTML document (one round trip on a poor signal). The plain
name and a stale hash (old HTML after a deploy) are still served, with ``no-cache``, so a page
never loses its stylesheet. In production nginx serves the same URLs straight from the folder
(deploy/nginx-site.conf). In debug mode an edited file gets a new hash without a restart.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, send_from_directory

HASH_LENGTH = 12
ONE_YEAR = 365 * 24 * 60 * 60
FINGERPRINTED = re.compile(
    rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$")


def content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]


def fingerprinted_name(name: str, digest: str) -> str:
    """``site.css`` → ``site.<digest>.css``; a name without a suffix gets the hash at the end."""
    path = Path(name)
    if not path.suffix:
        return f"{name}.{digest}"
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


@dataclass
class StaticFiles:
    """The static folder's files by name, each with its fingerprinted name."""

    folder: Path
    names: dict[str, str] = field(default_factory=dict)
    _stamps: dict[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def scan(cls, folder: Path) -> StaticFiles:
        files = cls(folder)
        files.refresh()
        return files

    def refresh(self) -> None:
        """Re-hash every file that is new or whose size or modification time changed."""
        seen = set()
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
            name = path.relative_to(self.folder).as_posix()
            seen.add(name)
            info = path.stat()
            stamp = (info.st_mtime_ns, info.st_size)
            if self._stamps.get(name) != stamp:
                self._stamps[name] = stamp
                self.names[name] = fingerprinted_name(name, content_hash(path))
        for gone in set(self.names) - seen:
            del self.names[gone], self._stamps[gone]

    def url_name(self, name: str) -> str:
        return self.names.get(name, name)

    def resolve(self, requested: str) -> tuple[str, bool]:
        """The file to send for a requested name, and whether the name is the current
        fingerprint (only then may it be cached for ever)."""
        if requested in self.names:
            return requested, False
        match = FINGERPRINTED.match(Path(requested).name)
        if match is None:
            return requested, False
        original = str(Path(requested).with_name(match["stem"] + match["suffix"]))
        if original not in self.names:
            return requested, False
        return original, self.names[original] == requested


def serve(filename: str) -> Response:
    """The ``static`` endpoint's view (replaces Flask's ``send_static_file``)."""
    files: StaticFiles = current_app.extensions["static_files"]
    if current_app.debug:
        files.refresh()
    name, immutable = files.resolve(filename)
    if not immutable:
        return send_from_directory(files.folder, name, max_age=None)  # no-cache: revalidate
    response = send_from_directory(files.folder, name, max_age=ONE_YEAR)
    response.cache_control.immutable = True
    return response


def init_app(app: Flask) -> None:
    if not app.static_folder:
        return
    files = StaticFiles.scan(Path(app.static_folder))
    app.extensions["static_files"] = files
    app.view_functions["static"] = serve

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values:
            if app.debug:
                files.refresh()
            values["filename"] = files.url_name(values["filename"])
