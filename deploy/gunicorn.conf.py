"""gunicorn settings for the portal behind nginx (deploy/nginx-site.conf; README, "Deploying").

    gunicorn --config deploy/gunicorn.conf.py wsgi:app

Sync workers: nginx buffers every request and response, so a worker only ever talks to nginx
on the same machine and never waits on a slow phone. Settings come from the environment so
the systemd unit and the smoke test (tests/deploy/) share this one file.
"""

from __future__ import annotations

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Each log-in hashes with Argon2 (tens of MiB); 2 × cores + 1 is gunicorn's usual advice.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Sync workers close every connection after its response; nginx holds the client's keep-alive.
keepalive = 2
# Recycle workers now and then so a slow leak can never grow without bound; the jitter stops
# every worker restarting at the same moment.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Load the app before forking: a configuration error stops start-up with its message once,
# and workers share the loaded code's memory.
preload_app = True
forwarded_allow_ips = "127.0.0.1"  # only nginx on this machine may set X-Forwarded-*

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# %(U)s is the path without its query string; TokenHidingLogger hides tokens in the path.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

#: Paths whose next segment is a secret (sign-in link, reset, inspection, invitation, join code).
SECRET_SEGMENT = re.compile(r"^/(inspect|invitations|join|reset|login/link)/[^/]+")


def hide_tokens(path: str) -> str:
    return SECRET_SEGMENT.sub(lambda m: f"/{m.group(1)}/[hidden]", path)


class TokenHidingLogger(Logger):
    """The access log never holds a sign-in, reset or inspection token, nor a query string."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = hide_tokens(atoms.get("U", ""))
        for name in ("r", "q", "f"):  # request line, query string and referrer: never logged
            atoms[name] = "-"
        return atoms


logger_class = TokenHidingLogger


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    """With preload_app, a database connection opened before the fork must not be shared."""
    from training_portal import reads
    from wsgi import app

    reads.dispose_pools(app, close=False)
