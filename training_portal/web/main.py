"""Site-wide pages and behaviour: home, health check, error pages, security headers."""

from __future__ import annotations

import logging
import secrets
import time

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from training_portal import reads
from training_portal.extensions import db
from training_portal.policy import Rule, access

bp = Blueprint("main", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
ERROR_TITLES = {
    400: _l("That request did not work"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("That action is not allowed here"),
    413: _l("That is too much data"),
    429: _l("Too many tries"),
    500: _l("Something went wrong on our side"),
    503: _l("The training site is busy"),
}
#: Seconds a client (or a load balancer) should wait before trying again after a 503.
RETRY_AFTER_UNAVAILABLE = "30"
#: The database cannot be reached (refused, gone away, pool exhausted): a 503, never a 500.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
log = logging.getLogger(__name__)
#: Production answers only over HTTPS; browsers remember it for a year.
HSTS = "max-age=31536000; includeSubDomains"
#: Public routes that still show a person's records (an inspector's link to a venue's register).
PERSONAL_WITHOUT_SIGN_IN = frozenset({"inspections.inspect", "inspections.inspect_pdf"})


@bp.route("/")
@access(Rule.PUBLIC)
def home() -> str | Response:
    """Visitors get the welcome; partnership admins the programme overview; managers their
    venue's training (a chooser when they manage several); everyone else My training."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    if current_user.is_admin:
        return redirect(url_for("partnership.overview"))
    if getattr(current_user, "managed_venues", None):
        return _manager_home()
    from training_portal.web.lessons import render_my_training

    return render_my_training()


def _manager_home() -> str | Response:
    if current_user.sole_managed_venue_id is not None:
        return redirect(url_for("venue_training.overview",
                                venue_id=current_user.sole_managed_venue_id))
    from training_portal.venues.services import venues_managed_by

    return render_template("venues/index.html", venues=venues_managed_by(current_user),
                           choosing=True)


@bp.route("/healthz")
@access(Rule.PUBLIC)
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not ready"
        db.session.rollback()
        return {"status": "database unavailable"}, 503
    if current_app.extensions["catalog"].degraded:  # serving, but some module is held back
        return {"status": "degraded: content"}, 200
    return {"status": "ok"}, 200


def request_id() -> str:
    """A random id for this request, made when first asked for: shown on the 500 page and
    written in the log line of the failure, so a person's report finds the log line."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(8)
    return str(g.request_id)


def render_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    """Every error page in the site's look. Unhandled exceptions arrive here as a 500."""
    code = error.code or 500
    headers: dict[str, str] = {}
    if code >= 500:
        _roll_back()  # nothing half-written survives a failure
        _signed_in_or_visitor()
    if code == 429:
        headers["Retry-After"] = str(_retry_after())
    title = ERROR_TITLES.get(code, ERROR_TITLES[500])
    shown_id = request_id() if code >= 500 else None
    return render_template("errors/error.html", code=code, title=title, request_id=shown_id), code, headers


def _retry_after() -> int:
    """Seconds until the limit that refused this request lets it through again."""
    from training_portal.extensions import limiter

    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, int(limit.reset_at - time.time()) + 1)


def database_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
    """The database is unreachable: a 503 page in the site's look, without asking the database
    anything (the menu shows a visitor's). The next request opens a new connection, so the
    site recovers by itself once the database is back."""
    log.warning("database unavailable: %s request_id=%s", type(error).__name__, request_id())
    _roll_back()
    if not isinstance(error, sa_exc.TimeoutError):  # pool exhausted: its connections are fine
        _empty_pool()
    _as_visitor()
    body = render_template("errors/error.html", code=503, title=ERROR_TITLES[503], request_id=request_id())
    return body, 503, {"Retry-After": RETRY_AFTER_UNAVAILABLE}


def _roll_back() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is already gone; the pool replaces it
        log.debug("rollback after a failure failed too", exc_info=True)


def _empty_pool() -> None:
    """Connections may all be dead (a restart): the next request opens a new one."""
    try:
        reads.dispose_pools(current_app._get_current_object())  # type: ignore[attr-defined]
    except Exception:  # nothing more to do; the pool replaces what it can
        log.debug("emptying the pool after a failure failed too", exc_info=True)


def _as_visitor() -> None:
    from flask_login import AnonymousUserMixin

    g._login_user = AnonymousUserMixin()  # Flask-Login's per-request user: no session check


def _signed_in_or_visitor() -> None:
    """Load the signed-in person for the error page's menu, or show a visitor's if that fails."""
    try:
        current_user._get_current_object()
    except Exception:  # the failure may be the database itself
        _roll_back()
        _as_visitor()


#: Sent with every response unless the view set its own (lower-cased name, name, value).
SECURITY_HEADERS = tuple((name.lower(), name, value) for name, value in (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
))
PRODUCTION_HEADERS = (*SECURITY_HEADERS, ("strict-transport-security", "Strict-Transport-Security", HSTS))


def add_security_headers(response: Response) -> Response:
    """The security headers a view did not set, in one pass over the response's headers (one
    ``setdefault`` each scanned them twice and raised a KeyError per missing header)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    production = current_app.config["PORTAL_ENV"] == "production"
    for lowered, name, value in PRODUCTION_HEADERS if production else SECURITY_HEADERS:
        if lowered not in present:
            headers.add(name, value)
    _never_cache_personal(response, "cache-control" in present)
    return response


def _never_cache_personal(response: Response, has_cache_control: bool) -> None:
    """A page or export for a signed-in person is never stored by a browser or a proxy (a shared
    phone, a venue's PC, a caching proxy). Only what the view marked public stays cacheable:
    static files and published modules' pictures. The session's user id is read from the
    signed cookie, so this costs no query."""
    endpoint = request.endpoint
    if endpoint == "static" or (has_cache_control and response.cache_control.public):
        return
    if "_user_id" in session or endpoint in PERSONAL_WITHOUT_SIGN_IN:
        response.headers["Cache-Control"] = "no-store"


def init_app(app: Flask) -> None:
    from training_portal.accounts.sessions import enforce_session_limits

    app.register_blueprint(bp)
    app.before_request(enforce_session_limits)
    for code in ERROR_TITLES:
        app.register_error_handler(code, render_error)
    for exception in DATABASE_UNAVAILABLE:
        app.register_error_handler(exception, database_unavailable)
    app.after_request(add_security_headers)

