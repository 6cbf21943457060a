"""The site menu (base.html's header), rendered once per variant and kept as a string.

Every page shows the menu, and building it took a dozen ``url_for`` and ``_()`` calls: on a
page rendered afresh (My training after any change, the quiz page) that was a large share of
the render. The menu depends only on who is asking — signed in or not, and for the signed
in ``page_cache.menu_variant`` (trainer, admin, the venues they manage) — the language and
where the site is mounted; the log-out form's CSRF token is its only personal part, and is
put in on every call.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from markupsafe import Markup, escape

from training_portal.web.page_cache import form_csrf_token, menu_variant, site_locale

TEMPLATE = "_menu.html"
CSRF_SLOT = "\x00menu-csrf\x00"
#: Variants kept (one per venue a sole manager runs, a few for everyone else); cleared when full.
MAX_MENUS = 1_000


class MenuCache:
    def __init__(self, max_entries: int = MAX_MENUS) -> None:
        self._menus: dict[tuple[object, ...], str] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get_or_render(self, key: tuple[object, ...], user: Any) -> str:
        menu = self._menus.get(key)
        if menu is None:
            menu = current_app.jinja_env.get_template(TEMPLATE).render(
                current_user=user, logout_token=CSRF_SLOT)
            with self._lock:
                if len(self._menus) >= self._max:  # bounded: a kept menu is only a saving
                    self._menus.clear()
                self._menus[key] = menu
        return menu

    def __len__(self) -> int:
        return len(self._menus)


def menu_key(user: Any) -> tuple[object, ...]:
    """Everything the menu shows, besides the token: who is asking, language, mount point."""
    who = menu_variant(user) if user.is_authenticated else ("anonymous",)
    return (who, site_locale(), request.script_root)


def site_menu() -> Markup:
    """The header with the menu for this request (a template global: ``{{ site_menu() }}``)."""
    user = current_user._get_current_object()
    menu = current_app.extensions["site_menus"].get_or_render(menu_key(user), user)
    # The menu came from an autoescaping template; the token is escaped here.
    return Markup(menu.replace(CSRF_SLOT, escape(form_csrf_token())))  # noqa: S704


def init_app(app: Flask) -> None:
    app.extensions["site_menus"] = MenuCache()
    app.jinja_env.globals["site_menu"] = site_menu
