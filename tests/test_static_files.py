"""Fingerprinted static files (training_portal/web/static_files.py) and production's refusal of
a per-process rate-limit store."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from training_portal import create_app
from training_portal.config import ConfigError
from training_portal.web.static_files import StaticFiles, content_hash

STATIC = Path(__file__).resolve().parent.parent / "training_portal" / "static"
YEAR_IMMUTABLE = "public, max-age=31536000, immutable"


def _linked(page: str, suffix: str) -> str:
    found = re.findall(rf'href="(/static/[^"]+\.{suffix})"', page)
    assert len(found) == 1, found
    return found[0]


def test_pages_link_the_stylesheet_and_favicon_by_their_content_hash(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    css = _linked(page, "css")
    icon = _linked(page, "svg")
    assert css == f"/static/site.{content_hash(STATIC / 'site.css')}.css"
    assert icon == f"/static/favicon.{content_hash(STATIC / 'favicon.svg')}.svg"


def test_a_fingerprinted_file_is_cached_for_a_year_and_never_revalidated(client: Any) -> None:
    css = _linked(client.get("/login").get_data(as_text=True), "css")
    response = client.get(css)
    assert response.status_code == 200
    assert response.get_data() == (STATIC / "site.css").read_bytes()
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.headers["Cache-Control"] == YEAR_IMMUTABLE
    response.close()


@pytest.mark.parametrize("path", ["/static/site.css", "/static/site.000000000000.css"])
def test_the_plain_name_and_a_stale_hash_still_work_but_are_revalidated(client: Any, path: str) -> None:
    """Old HTML (cached, or from before a deploy) keeps its stylesheet."""
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_data() == (STATIC / "site.css").read_bytes()
    assert response.headers["Cache-Control"] == "no-cache"
    response.close()


@pytest.mark.parametrize("path", ["/static/missing.000000000000.css", "/static/../config.py",
                                  "/static/site.css.000000000000"])
def test_unknown_files_are_not_found(client: Any, path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_hash_changes_when_the_file_changes(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    before = StaticFiles.scan(folder).url_name("site.css")
    (folder / "site.css").write_text("body { color: black; }\n", encoding="utf-8")
    after = StaticFiles.scan(folder)
    assert re.fullmatch(r"site\.[0-9a-f]{12}\.css", before)
    assert after.url_name("site.css") != before
    assert after.resolve(before) == ("site.css", False)  # the old hash: served, not cached for ever
    assert after.resolve(after.url_name("site.css")) == ("site.css", True)


def test_debug_mode_notices_an_edited_file_without_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    files = StaticFiles.scan(folder)
    before = files.url_name("site.css")
    (folder / "site.css").write_text("body { color: black; margin: 0; }\n", encoding="utf-8")
    files.refresh()
    assert files.url_name("site.css") not in (before, "site.css")


# --- production needs a shared rate-limit store --------------------------------------------

PRODUCTION = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 64, "MAIL_BACKEND": "disabled"}


@pytest.mark.parametrize("uri", ["memory://", ""])
def test_production_refuses_a_per_process_rate_limit_store(tmp_path: Path, uri: str) -> None:
    with pytest.raises(ConfigError, match=r"RATELIMIT_STORAGE_URI.*Redis.*every gunicorn worker"):
        create_app({**PRODUCTION, "RATELIMIT_STORAGE_URI": uri,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3"})


def test_production_starts_with_redis_and_development_keeps_memory(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/p.sqlite3"
    app = create_app({**PRODUCTION, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/11",
                      "SQLALCHEMY_DATABASE_URI": database})
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    development = create_app({"RATELIMIT_STORAGE_URI": "memory://", "SQLALCHEMY_DATABASE_URI": database})
    assert development.config["RATELIMIT_STORAGE_URI"] == "memory://"
