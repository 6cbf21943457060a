"""Configuration from environment variables, with safe defaults for development.

Every variable is documented in the README. Production (``PORTAL_ENV=production``) refuses
to start with a missing or default ``SECRET_KEY``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105  (refused in production)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app must not start."""


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def from_environment(instance_path: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if env is None else env
    portal_env = env.get("PORTAL_ENV", "development")
    default_db = f"sqlite:///{Path(instance_path) / 'portal.sqlite3'}"
    mail_server = env.get("MAIL_SERVER", "")
    return {
        "PORTAL_ENV": portal_env,
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env.get("DATABASE_URL", default_db)),
        "CONTENT_DIR": env.get("CONTENT_DIR", str(PROJECT_ROOT / "content")),
        "CONTENT_RELOAD_SECONDS": _int(env, "CONTENT_RELOAD_SECONDS", 3),
        "CERTIFICATES_DIR": env.get("CERTIFICATES_DIR", str(PROJECT_ROOT / "certificates")),
        "SITE_URL": env.get("SITE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SITE_TIMEZONE": env.get("SITE_TIMEZONE", "Europe/London"),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if mail_server else "outbox"),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": _int(env, "MAIL_PORT", 587),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "1") not in ("0", "false", "no"),
        "MAIL_FROM": env.get("MAIL_FROM", "Training portal <no-reply@localhost>"),
        "MAIL_OUTBOX_DIR": env.get("MAIL_OUTBOX_DIR", str(Path(instance_path) / "outbox")),
        "MAIL_DELIVERY": env.get("MAIL_DELIVERY", ""),  # empty: chosen by mail_delivery()
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "LOGIN_IP_RATE_LIMIT": env.get("LOGIN_IP_RATE_LIMIT", "60 per minute"),
        "LOGIN_ACCOUNT_FAILURE_LIMIT": env.get("LOGIN_ACCOUNT_FAILURE_LIMIT", "20 per hour"),
        "REGISTER_RATE_LIMIT": env.get("REGISTER_RATE_LIMIT", "20 per minute"),
        "JOIN_RATE_LIMIT": env.get("JOIN_RATE_LIMIT", "60 per minute"),
        "PROXY_COUNT": _int(env, "PROXY_COUNT", 0),
        "SESSION_CHECK_SECONDS": _int(env, "SESSION_CHECK_SECONDS", 2),
        "SESSION_MAX_AGE_DAYS": _int(env, "SESSION_MAX_AGE_DAYS", 30),
        "MANAGER_IDLE_MINUTES": _int(env, "MANAGER_IDLE_MINUTES", 120),
        "EMAIL_RATE_LIMIT": env.get("EMAIL_RATE_LIMIT", "5 per minute"),
        "VERIFY_RATE_LIMIT": env.get("VERIFY_RATE_LIMIT", "30 per minute"),
        "INSPECT_RATE_LIMIT": env.get("INSPECT_RATE_LIMIT", "30 per minute"),
        "RESET_TOKEN_MINUTES": _int(env, "RESET_TOKEN_MINUTES", 60),
        "LOGIN_LINK_MINUTES": _int(env, "LOGIN_LINK_MINUTES", 15),
        "QUIZ_RETRY_PAUSE_SECONDS": _int(env, "QUIZ_RETRY_PAUSE_SECONDS", 60),
        "REMINDER_DAYS": _int(env, "REMINDER_DAYS", 30),
        "SESSION_COOKIE_SECURE": portal_env == "production",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False, "pool_recycle": 1800},
        "BABEL_DEFAULT_LOCALE": "en",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        **_login_settings(env),
    }


def _login_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Log-in (issue 11): Argon2id parameters (OWASP's minimum by default; production refuses
    less) and "keep me signed in": a persistent cookie lasts as long as a session may
    (SESSION_MAX_AGE_DAYS) and is re-sent only when the session changes, not on every page."""
    return {
        "PASSWORD_HASH_MEMORY_KIB": _int(env, "PASSWORD_HASH_MEMORY_KIB", 19456),
        "PASSWORD_HASH_TIME_COST": _int(env, "PASSWORD_HASH_TIME_COST", 2),
        "PASSWORD_HASH_PARALLELISM": _int(env, "PASSWORD_HASH_PARALLELISM", 1),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=_int(env, "SESSION_MAX_AGE_DAYS", 30)),
        "SESSION_REFRESH_EACH_REQUEST": False,
    }


MAIL_DELIVERY_MODES = ("queue", "inline")


def mail_delivery(config: Mapping[str, Any]) -> str:
    """``queue`` in production (only the cron drain sends, so no request waits on SMTP);
    ``inline`` otherwise (the process that queued a mail sends it once the request has
    committed), so ``make run`` needs no second process."""
    mode = config.get("MAIL_DELIVERY") or (
        "queue" if config.get("PORTAL_ENV") == "production" else "inline")
    if mode not in MAIL_DELIVERY_MODES:
        raise ConfigError(f"MAIL_DELIVERY must be queue or inline, not {mode!r}")
    if mode == "inline" and config.get("PORTAL_ENV") == "production":
        # Inline sending would make a request for a known address slower than for an unknown one.
        raise ConfigError("MAIL_DELIVERY=inline is for development: production queues mail "
                          "(run flask mail send-queued from cron)")
    return str(mode)


def check_production_safety(config: Mapping[str, Any]) -> None:
    if config.get("PORTAL_ENV") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise ConfigError(
            "SECRET_KEY is missing, the development default or shorter than 32 characters. "
            'Set it to a long random value, e.g. python -c "import secrets; print(secrets.token_hex(32))"'
        )
    _check_production_mail(config)
    _check_password_hashing(config)
    _check_shared_rate_limits(config)


def _check_password_hashing(config: Mapping[str, Any]) -> None:
    from training_portal.accounts.passwords import check_parameters

    problem = check_parameters(config)
    if problem:
        raise ConfigError(problem)


def _check_shared_rate_limits(config: Mapping[str, Any]) -> None:
    """Each gunicorn worker (and each server) keeps its own ``memory://`` counts, so a limit of
    10 a minute becomes 10 per worker: 2 workers let 18 wrong passwords through before the
    first refusal. The test client is one process, so tests may keep it."""
    uri = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if uri.startswith("memory://") and not config.get("TESTING"):
        raise ConfigError(
            "RATELIMIT_STORAGE_URI is memory:// (the default): in production point it at Redis, "
            "e.g. RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0. With memory:// every gunicorn "
            "worker and every server keeps its own counts, so rate limits (wrong passwords, "
            "sign-in links) multiply by the number of workers.")


#: Transports production may use: SMTP, or mail switched off on purpose (nothing sent, nothing
#: secret logged). The development outbox logs whole messages (sign-in links), so never there.
PRODUCTION_MAIL_BACKENDS = ("smtp", "disabled")


def _check_production_mail(config: Mapping[str, Any]) -> None:
    backend = config.get("MAIL_BACKEND")
    if backend == "memory" and config.get("TESTING"):
        return
    if backend not in PRODUCTION_MAIL_BACKENDS:
        raise ConfigError(
            f"MAIL_BACKEND is {backend!r}: in production set MAIL_SERVER (SMTP), or MAIL_BACKEND=disabled "
            "to run without mail (sign-in links and resets are then never sent)")
    if backend == "smtp" and not config.get("MAIL_SERVER"):
        raise ConfigError("MAIL_BACKEND is smtp but MAIL_SERVER is not set")
