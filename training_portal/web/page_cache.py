"""Rendered lesson pages, kept per content version, page, language and menu variant.

A lesson page is the same for every staff member: only the log-out form's CSRF token is
personal. The page is rendered once with a placeholder, and each request swaps in its own
token. This is what lets lesson pages keep up with a bare endpoint serving the same bytes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import g
from flask_wtf.csrf import generate_csrf

CSRF_PLACEHOLDER = "\x00csrf\x00"
MAX_ENTRIES = 512


class PageCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._pages: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get_or_render(self, key: tuple[object, ...], render: Callable[[], str]) -> str:
        page = self._pages.get(key)
        if page is None:
            page = _render_with_placeholder(render)
            with self._lock:
                self._pages[key] = page
                if len(self._pages) > self._max:
                    self._pages.popitem(last=False)
        return page.replace(CSRF_PLACEHOLDER, generate_csrf())

    def __len__(self) -> int:
        return len(self._pages)


def _render_with_placeholder(render: Callable[[], str]) -> str:
    g.csrf_placeholder = CSRF_PLACEHOLDER
    try:
        return render()
    finally:
        g.pop("csrf_placeholder", None)


def menu_variant(user: Any) -> tuple[object, ...]:
    """What the menu in base.html depends on: a cached page is kept per variant."""
    return (bool(user.is_trainer), bool(user.is_admin),
            getattr(user, "sole_managed_venue_id", None), bool(getattr(user, "managed_venues", 0)))


def form_csrf_token() -> str:
    """The token templates print in the menu's log-out form (a placeholder while caching)."""
    return g.get("csrf_placeholder") or generate_csrf()
