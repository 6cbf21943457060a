"""Rendered lesson pages, kept per content version, page, language and menu variant.

A lesson page is the same for every staff member: only the log-out form's CSRF token is
personal. The page is rendered once with a placeholder, and each request swaps in its own
token. This is what lets lesson pages keep up with a bare endpoint serving the same bytes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

CSRF_PLACEHOLDER = "\x00csrf\x00"
MAX_ENTRIES = 512
#: A signed CSRF token is reused for this long (at most a twelfth of its lifetime).
TOKEN_REUSE_SECONDS = 300
MAX_TOKENS = 10_000
_signed_tokens: dict[tuple[str, object], tuple[float, str]] = {}


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
        return page.replace(CSRF_PLACEHOLDER, reused_csrf_token())

    def __len__(self) -> int:
        return len(self._pages)


def _render_with_placeholder(render: Callable[[], str]) -> str:
    g.csrf_placeholder = CSRF_PLACEHOLDER
    try:
        return render()
    finally:
        g.pop("csrf_placeholder", None)


def site_locale() -> str:
    """The language kept pages are drawn in: the site's one language (BABEL_DEFAULT_LOCALE;
    create_app's locale selector returns it, and extensions.install_site_gettext translates
    templates with it). Read from the settings: Flask-Babel's get_locale() finds the request's
    context and its cache first, a twentieth of a kept page's CPU."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def menu_variant(user: Any) -> tuple[object, ...]:
    """What the menu in base.html depends on: a cached page is kept per variant."""
    return (bool(user.is_trainer), bool(user.is_admin),
            getattr(user, "sole_managed_venue_id", None), bool(getattr(user, "managed_venues", 0)))


def form_csrf_token() -> str:
    """The token templates print in the menu's log-out form (a placeholder while caching)."""
    return g.get("csrf_placeholder") or reused_csrf_token()


def reused_csrf_token() -> str:
    """The session's CSRF token, signed at most once every few minutes in this worker.

    Flask-WTF signs the session's raw token afresh (with a timestamp) on every page that
    shows a form, and every page shows the menu's log-out form: that signing was about a
    tenth of a lesson page's CPU. A token signed a few minutes ago for the same session is
    just as valid; it expires that much sooner (WTF_CSRF_TIME_LIMIT, an hour by default).
    The signed token is also put where Flask-WTF looks (g), so every form on the page
    carries the same one. (The app, g and the session are looked up once each: every use
    of Flask's proxies finds the request's context again.)"""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    request_globals = g._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in request_globals:  # already signed for this request
        return generate_csrf()
    secret = str(config.get("WTF_CSRF_SECRET_KEY") or app.secret_key or "")
    now = time.monotonic()
    found = _signed_tokens.get((secret, session.get(field)))
    if found is not None and now - found[0] < _reuse_seconds(config):
        setattr(request_globals, field, found[1])
        return found[1]
    token = generate_csrf()  # makes the session's raw token when it has none
    if len(_signed_tokens) >= MAX_TOKENS:  # bounded: old entries are only a saving
        _signed_tokens.clear()
    _signed_tokens[(secret, session[field])] = (now, token)
    return token


def _reuse_seconds(config: Any) -> float:
    limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
    return TOKEN_REUSE_SECONDS if limit is None else min(TOKEN_REUSE_SECONDS, limit / 12)
