"""A minimal Flask app outside the portal, for the side-by-side benchmark.

    gunicorn --chdir bench 'minimal_app:make_minimal_app()'     # BENCH_MINIMAL_PAGES=pages.json

It imports nothing from the portal. At start it reads ``BENCH_MINIMAL_PAGES``, a JSON file
written by ``bench_side_by_side.py`` after it captured the portal's responses::

    {"/modules/x/2": {"body_file": "/tmp/.../lesson.html", "status": 200,
                      "headers": [["Content-Type", "text/html; charset=utf-8"], ...]}, ...}

and answers each path with the same bytes, status and headers (minus the ones the server
sets itself), so the response on the wire is the same size as the portal's. Whatever the
portal costs beyond this app is the portal's own work: session, database, templates.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, request

#: Headers the server or Werkzeug writes itself for every response.
SERVER_HEADERS = frozenset({"content-length", "date", "server", "connection", "set-cookie"})


def load_pages(spec_file: str) -> dict[str, tuple[bytes, int, list[tuple[str, str]]]]:
    spec: dict[str, Any] = json.loads(Path(spec_file).read_text())
    return {path: (Path(page["body_file"]).read_bytes(), int(page.get("status", 200)),
                   [(k, v) for k, v in page.get("headers", []) if k.lower() not in SERVER_HEADERS])
            for path, page in spec.items()}


def make_minimal_app(spec_file: str | None = None) -> Flask:
    """One catch-all route that returns the captured bytes for a known path, 404 otherwise."""
    pages = load_pages(spec_file or os.environ["BENCH_MINIMAL_PAGES"])
    app = Flask(__name__)

    @app.route("/healthz")
    def healthz() -> str:
        return "ok"

    @app.route("/<path:path>")
    def page(path: str) -> Response:
        found = pages.get(request.path)
        if found is None:
            abort(404)
        body, status, headers = found
        return Response(body, status=status, headers=headers)

    return app
