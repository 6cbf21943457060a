"""Unbound extension objects; ``create_app`` binds them to an app."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from training_portal.db import Base


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


#: Objects stay readable after the single commit at the end of a request or test set-up.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = DecoratedLimiter(key_func=get_remote_address, default_limits=[])
