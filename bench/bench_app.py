"""The app that bench_module_page.py serves: the real portal plus one bare route.

gunicorn loads it with ``'bench_app:make_bench_app()'`` (run from this folder), so both
routes live in one app, one process group and one run. The bare route returns a lesson page
captured earlier, byte for byte, with the same content type: the module page's cost over it
is the view's own work (session user, page-view query, template render).

Settings come from the environment, set by the benchmark script:
``BENCH_DATABASE_URL``, ``BENCH_SECRET_KEY`` and ``BENCH_BARE_PAGE`` (a file with the bytes);
optionally ``BENCH_RATELIMIT_STORAGE_URI`` (default ``memory://``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.wrappers import Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training_portal import create_app  # noqa: E402
from training_portal.policy import Rule, access  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BARE_PATH = "/_bench/bare"
HTML = "text/html; charset=utf-8"


def bench_config(database_url: str, secret_key: str) -> dict[str, Any]:
    """Development settings (no debug), the shipped content, mail kept in memory."""
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "MAIL_BACKEND": "memory",
        # memory:// unless a bench names a shared store (bench_locust.py: Redis, as in production)
        "RATELIMIT_STORAGE_URI": os.environ.get("BENCH_RATELIMIT_STORAGE_URI", "memory://"),
    }


def add_bare_route(app: Flask, body: bytes) -> None:
    @app.route(BARE_PATH)
    @access(Rule.PUBLIC)
    def bench_bare() -> Response:
        return app.response_class(body, content_type=HTML)


def make_bench_app(overrides: dict[str, Any] | None = None) -> Flask:
    """The portal configured from BENCH_* variables; the bare route when BENCH_BARE_PAGE is set."""
    config = bench_config(os.environ.get("BENCH_DATABASE_URL", ""),
                          os.environ.get("BENCH_SECRET_KEY", ""))
    app = create_app({**config, **(overrides or {})})
    page_file = os.environ.get("BENCH_BARE_PAGE")
    if page_file:
        add_bare_route(app, Path(page_file).read_bytes())
    return app
