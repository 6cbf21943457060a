"""A second visit costs one round trip: the stylesheet and favicon, linked by content hash, come
from the browser's cache without asking the server (training_portal/web/static_files.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def _record_paths(app: Flask) -> list[str]:
    """Every path the live server is asked for, in order."""
    seen: list[str] = []
    inner: Callable[..., Iterable[bytes]] = app.wsgi_app

    def recording(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = recording  # type: ignore[method-assign]
    return seen


def test_a_second_page_asks_the_server_for_its_html_only(live_app: Flask, page: Page) -> None:
    seen = _record_paths(live_app)
    page.goto("/login")
    page.wait_for_load_state("load")
    assert any(path.startswith("/static/site.") for path in seen), seen
    # Chromium asks for the favicon after the load event: wait for it, or it lands in the
    # second page's list.
    for _ in range(50):
        if any(path.startswith("/static/favicon.") for path in seen):
            break
        page.wait_for_timeout(100)
    assert any(path.startswith("/static/favicon.") for path in seen), seen
    seen.clear()
    page.goto("/verify")
    page.wait_for_load_state("load")
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 0  # styled, from the cache
    assert seen == ["/verify"]
