"""Unbound extension objects; ``create_app`` binds them to an app."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Flask, current_app, request
from flask.globals import request_ctx
from flask_babel import Babel, get_translations
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from training_portal.db import Base

#: Where Flask-Limiter keeps a request's limits, on Flask's request context, once it has any.
LIMITER_CONTEXT = "_limiter_request_context"


class DecoratedLimiter(Limiter):
    """A limiter that checks only the routes that carry a limit.

    Every limit in the portal is a decorator (``@limiter.limit``/``shared_limit``), and the
    decorator checks its own route. Flask-Limiter also checks every request in a
    before_request hook, for default and application-wide limits; the portal has none, so
    that hook only cost each lesson page about a tenth of its CPU (docs/benchmarks.md,
    "Per-request overhead"). It still runs if such limits are ever configured.
    """

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        if in_middleware and not self._has_request_wide_limits():
            return
        super()._check_request_limit(callable_name, in_middleware)

    def _has_request_wide_limits(self) -> bool:
        manager = self.limit_manager
        return bool(manager._default_limits or manager._application_limits
                    or manager._blueprint_limits or self._meta_limits)

    def init_app(self, app: Flask) -> None:
        """Flask-Limiter's after-request hook (deductions, rate-limit headers) and its teardown
        (forget this request's limits) run only for requests that touched a limit.

        Both read the request's limiter context, which is made on first use: a request that
        never met a limit (most pages) has none, and both hooks would make an empty one only to
        find nothing in it. Replaced by identity at start-up; if an upgrade of Flask-Limiter
        registers them differently the app refuses to start, so every test fails loudly."""
        already = self in app.extensions.get("limiter", ())
        super().init_app(app)
        if already:  # Flask-Limiter registers its hooks once per app
            return
        inject = partial(Limiter._Limiter__inject_headers, self)  # type: ignore[attr-defined]
        _only_if_limited(app.after_request_funcs.setdefault(None, []), inject)
        _only_if_limited(app.teardown_request_funcs.setdefault(None, []),
                         self._Limiter__release_context)  # type: ignore[attr-defined]


def _only_if_limited(hooks: list[Any], hook: Any) -> None:
    """Replace ``hook`` (found by equality) in ``hooks`` with one that runs it only when the
    request has a limiter context."""
    found = [n for n, registered in enumerate(hooks) if _same_hook(registered, hook)]
    if len(found) != 1:
        raise RuntimeError("Flask-Limiter's request hooks are not where DecoratedLimiter expects "
                           "them (training_portal/extensions.py): check the upgrade")

    def hook_if_limited(value: Any) -> Any:
        if hasattr(request_ctx, LIMITER_CONTEXT):  # a limit was checked (or asked about)
            return hook(value)
        return value  # the response (after_request) or the exception (teardown), untouched

    hooks[found[0]] = hook_if_limited


def _same_hook(registered: Any, hook: Any) -> bool:
    if isinstance(hook, partial):  # partials compare by identity: compare what they call
        return (isinstance(registered, partial) and registered.func is hook.func
                and registered.args == hook.args and registered.keywords == hook.keywords)
    return bool(registered == hook)


class PortalCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, asking first whether the method needs it.

    Flask-WTF checks the route's exemptions (blueprint, view name) before the method, so every
    GET paid for them; a GET, HEAD or OPTIONS request is never checked either way. Requests whose
    method is in ``WTF_CSRF_METHODS`` go through Flask-WTF's ``protect`` unchanged."""

    def protect(self, apply_exemptions: bool = False) -> None:
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        super().protect(apply_exemptions=apply_exemptions)


def install_site_gettext(app: Flask) -> None:
    """Templates translate with the site language's catalogue, looked up once.

    The site has one language (BABEL_DEFAULT_LOCALE). Flask-Babel's template ``_()`` finds the
    request's locale and its catalogue on every call (about 9 µs; a quiz page makes 20 such
    calls, My training 37). Python code still uses flask_babel's gettext. If the site ever
    chooses a language per request, remove this."""
    with app.test_request_context():
        catalogue = get_translations()
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=catalogue.gettext, ngettext=catalogue.ngettext, newstyle=True,
        pgettext=catalogue.pgettext, npgettext=catalogue.npgettext)


#: A pooled connection unused for longer than this is checked with a ping before a request
#: gets it (a database restart or a firewall's idle timeout is found there, not by a 503).
PING_AFTER_IDLE_SECONDS = 10.0


def ping_after_idle(engine: Engine) -> None:
    """Check a connection only when it has sat in the pool a while, instead of pinging on every
    checkout (``pool_pre_ping``: a round trip per request). A connection that dies while in
    use still fails that one request with a 503; SQLAlchemy then replaces the pool's
    connections, and the 503 handler empties the pool too, so the next request reconnects."""
    if engine.dialect.name == "sqlite":  # a local file: nothing to drop
        return
    event.listen(engine, "checkin", _mark_checked_in)
    event.listen(engine, "checkout", _ping_if_idle)


def _mark_checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    checked_in_at = record.info.get("checked_in_at")
    if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception as error:  # the pool discards this connection and takes another
        raise sa_exc.DisconnectionError() from error


class RememberedSessionIdentifiers:
    """Flask-Login's session identifier (its "basic" session protection compares it with the
    one stored at log-in), remembered per client address and browser in this worker.

    Flask-Login hashes the X-Forwarded-For header (or the address) and the User-Agent with
    SHA-512 on every request of a signed-in person, a twentieth of a cached lesson page. The
    identifier depends on nothing else, so it is remembered by exactly those three values
    from the WSGI environment and computed by Flask-Login's own function on a miss."""

    def __init__(self, make: Callable[[], str], max_entries: int = 1024) -> None:
        self._make = make
        self._known: dict[tuple[str | None, str | None, str | None], str] = {}
        self._max = max_entries

    def __call__(self) -> str:
        environ = request.environ
        key = (environ.get("HTTP_X_FORWARDED_FOR"), environ.get("REMOTE_ADDR"),
               environ.get("HTTP_USER_AGENT"))
        found = self._known.get(key)
        if found is None:
            found = self._make()
            if len(self._known) >= self._max:  # bounded: an entry is only a saving
                self._known.clear()
            self._known[key] = found
        return found

    def __len__(self) -> int:
        return len(self._known)


def _login_manager() -> LoginManager:
    manager = LoginManager()
    if "_session_identifier_generator" not in vars(manager):  # tests/test_login_manager_hooks.py
        raise RuntimeError("Flask-Login no longer has _session_identifier_generator: "
                           "see RememberedSessionIdentifiers in training_portal/extensions.py")
    manager._session_identifier_generator = RememberedSessionIdentifiers(  # type: ignore[method-assign]
        manager._session_identifier_generator)
    return manager


#: Objects stay readable after the single commit at the end of a request or test set-up.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = _login_manager()
csrf = PortalCSRFProtect()
babel = Babel()
limiter = DecoratedLimiter(key_func=get_remote_address, default_limits=[])


def dialect_insert(table: Any) -> Any:
    """An INSERT for the database in use that has ``on_conflict_do_nothing`` /
    ``on_conflict_do_update`` (PostgreSQL's, or SQLite's, which has the same API)."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)
