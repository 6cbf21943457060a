"""Training portal for night-time-economy staff."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from inspect import iscoroutinefunction
from pathlib import Path
from typing import Any

from babel import Locale
from flask import Flask, request
from markupsafe import Markup

from training_portal import config as config_module
from training_portal import extensions as ext
from training_portal import reads
from training_portal.urls import BoundedIntConverter, IdentifierConverter
from training_portal.web.cookie_sessions import VerifiedCookieSessions


def bdi(value: Any) -> Markup:
    """A person-supplied name, isolated so right-to-left text never reorders what is around it."""
    return Markup("<bdi>{}</bdi>").format(value)


#: Callables whose "is it a coroutine function?" answer a PortalApp remembers (hooks, views,
#: error handlers: a few dozen; beyond this they are simply asked each time).
MAX_REMEMBERED_CALLABLES = 1024


class PortalApp(Flask):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_callables: dict[Callable[..., Any], bool] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's answer, with the inspection remembered per callable.

        Flask asks ``inspect.iscoroutinefunction`` about every hook and the view on every
        request (eleven times a lesson page, about 6 % of its CPU); a function's answer never
        changes. A coroutine function is still wrapped on each call, as Flask does."""
        try:
            plain = self._plain_callables.get(func)
        except TypeError:  # an unhashable callable: asked each time
            return super().ensure_sync(func)
        if plain is None:
            plain = not iscoroutinefunction(func)
            if len(self._plain_callables) < MAX_REMEMBERED_CALLABLES:
                self._plain_callables[func] = plain
        return func if plain else self.async_to_sync(func)

    def log_exception(self, exc_info: Any) -> None:
        """An unhandled exception, logged with the route's pattern (never the path: it may
        hold a sign-in, reset or inspection token) and the request id the 500 page shows."""
        from training_portal.web.main import request_id

        rule = request.url_rule.rule if request.url_rule else "(no route)"
        self.logger.error("Exception on %s [%s] request_id=%s", rule, request.method, request_id(),
                          exc_info=exc_info, extra={"request_id": request_id()})


def create_app(config_overrides: Mapping[str, Any] | None = None) -> Flask:
    from training_portal import logs

    logs.install()  # CR/LF and control characters in logged values are escaped
    app = PortalApp(__name__, instance_relative_config=False)
    app.session_interface = VerifiedCookieSessions()  # a verified cookie is decoded once
    # Path identifiers are checked by shape before any view sees them (training_portal/urls.py).
    app.url_map.converters["default"] = app.url_map.converters["string"] = IdentifierConverter
    app.url_map.converters["int"] = BoundedIntConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(config_overrides or {})
    if "SESSION_COOKIE_SECURE" not in (config_overrides or {}):
        app.config["SESSION_COOKIE_SECURE"] = app.config["PORTAL_ENV"] == "production"
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["MAIL_DELIVERY"] = config_module.mail_delivery(app.config)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["SITE_TIMEZONE"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A local file cannot drop a connection; pinging it would cost a query per request.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    config_module.check_production_safety(app.config)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind a load balancer: rate limits must see the client's address, not the proxy's.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    # People's names may mix writing directions: {{ name|bdi }} isolates them in the page.
    app.jinja_env.filters["bdi"] = bdi
    _register_extensions(app)
    _register_content(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_static_files(app)
    return app


def _register_extensions(app: Flask) -> None:
    import training_portal.models  # noqa: F401  (every table, for Alembic and create_all)
    from training_portal.db import include_in_schema_comparison

    ext.db.init_app(app)
    with app.app_context():
        ext.ping_after_idle(ext.db.engine)  # instead of pool_pre_ping on every checkout
    reads.init_app(app)
    migrations = Path(__file__).resolve().parent.parent / "migrations"
    ext.migrate.init_app(app, ext.db, render_as_batch=True, directory=str(migrations),
                         include_object=include_in_schema_comparison)
    ext.login_manager.init_app(app)
    ext.login_manager.login_view = "accounts.login"
    ext.login_manager.login_message = None
    ext.csrf.init_app(app)
    # One language: the Locale is parsed once, not on every request's first gettext (a file check).
    site_locale = Locale.parse(app.config["BABEL_DEFAULT_LOCALE"])
    ext.babel.init_app(app, locale_selector=lambda: site_locale)
    ext.install_site_gettext(app)
    ext.limiter.init_app(app)
    import training_portal.accounts.sessions  # noqa: F401  (registers the user loader)
    from training_portal.accounts.session_checks import RecentChecks
    from training_portal.notifications import outbox

    app.extensions["session_checks"] = RecentChecks(app.config["SESSION_CHECK_SECONDS"])
    outbox.init_app(app)  # MAIL_DELIVERY=inline: a request sends the mail it queued


#: My training pages kept rendered, one per person whose figures are unchanged (~10 KB each).
MY_TRAINING_PAGES = 2_000


def _register_content(app: Flask) -> None:
    """Content and certificate design are loaded once here; requests only read them."""
    from training_portal.certificates.design import load_design
    from training_portal.modules.catalog import CatalogHolder
    from training_portal.web.page_cache import PageCache, form_csrf_token

    app.extensions["certificate_design"] = load_design(Path(app.config["CERTIFICATES_DIR"]))
    holder = CatalogHolder(Path(app.config["CONTENT_DIR"]),
                           interval=app.config["CONTENT_RELOAD_SECONDS"])
    app.extensions["catalog"] = holder
    app.extensions["lesson_pages"] = PageCache()
    app.extensions["my_training_pages"] = PageCache(MY_TRAINING_PAGES)
    app.jinja_env.globals["menu_csrf_token"] = form_csrf_token

    @app.before_request
    def _notice_changed_content() -> None:
        holder.maybe_reload()


def _register_blueprints(app: Flask) -> None:
    from training_portal.web import register_blueprints

    register_blueprints(app)


def _register_static_files(app: Flask) -> None:
    from training_portal.web import static_files

    static_files.init_app(app)  # site.css is linked as site.<hash>.css, cached for a year


def _register_cli(app: Flask) -> None:
    from training_portal.accounts.cli import users_cli
    from training_portal.demo import demo_cli
    from training_portal.modules.cli import content_cli
    from training_portal.notifications.cli import mail_cli
    from training_portal.reminders.cli import reminders_cli
    from training_portal.reports.cli import reports_cli

    for group in (users_cli, demo_cli, content_cli, mail_cli, reports_cli, reminders_cli):
        app.cli.add_command(group)
