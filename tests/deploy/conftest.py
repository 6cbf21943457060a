"""The production topology, run for real (`make deploy-smoke`; CI runs it after the suite).

Debian's nginx (deploy/nginx-site.conf, with temporary ports, paths and a self-signed
certificate) in front of gunicorn (deploy/gunicorn.conf.py) on PostgreSQL and Redis. These tests
start processes and need nginx, PostgreSQL and Redis, so the ordinary suite leaves them out;
`make deploy-smoke` sets DEPLOY_SMOKE=1, and then a missing nginx or database is a failure,
never a skip.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .client import Client

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))  # deploy/ is not a package (this folder is `deploy`)
import local_nginx  # noqa: E402

if not os.environ.get("DEPLOY_SMOKE"):
    collect_ignore_glob = ["test_*.py"]

VENV_BIN = ROOT / ".venv" / "bin"
HOST = local_nginx.HOST  # the site file's server_name; clients send it as Host
PORT_BASE = int(os.environ.get("DEPLOY_SMOKE_PORT_BASE", "18100"))
NGINX_HTTPS, NGINX_HTTP, APP_A, APP_B = PORT_BASE, PORT_BASE + 1, PORT_BASE + 10, PORT_BASE + 11
LOGIN_LIMIT = 4


@dataclass
class Topology:
    nginx_port: int
    app_ports: tuple[int, int]
    content_dir: Path
    log_dir: Path

    def via_nginx(self) -> Client:
        return Client("127.0.0.1", self.nginx_port, tls=True, host=HOST)

    def direct(self, which: int) -> Client:
        return Client("127.0.0.1", self.app_ports[which], tls=False, host=f"127.0.0.1:{self.app_ports[which]}")


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        pytest.fail(f"{name} is not set: make deploy-smoke needs PostgreSQL (see the README)")
    return value


def app_environment(content_dir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "PORTAL_ENV": "production",
        "SECRET_KEY": os.environ.get("DEPLOY_SMOKE_SECRET_KEY", secrets.token_hex(32)),
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "MAIL_BACKEND": "disabled",
        "PROXY_COUNT": "1",
        "SITE_URL": f"https://{HOST}",
        "CONTENT_DIR": str(content_dir),
        "CONTENT_RELOAD_SECONDS": "1",
        "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_TIMEOUT": "30",
    }


def nginx_config(tmp: Path, certificate: tuple[Path, Path]) -> Path:
    """deploy/nginx-site.conf with this run's ports and paths (deploy/local_nginx.py), serving a
    copy of the static folder plus an SVG big enough to be worth compressing."""
    shutil.copytree(ROOT / "training_portal" / "static", tmp / "static")
    circles = "".join(f'<circle cx="{i}" cy="{i}" r="4"/>' for i in range(60))
    (tmp / "static" / "chart.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg">{circles}</svg>', encoding="utf-8")
    return local_nginx.render(tmp, local_nginx.Ports(NGINX_HTTPS, NGINX_HTTP, APP_A), certificate,
                              tmp / "static")


self_signed = local_nginx.self_signed


def wait_for_health(client: Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if client.get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"server did not answer /healthz within 30 s:\n{log.read_text(errors='replace')[-3000:]}")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture(scope="session")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    try:
        nginx = local_nginx.find_nginx()
    except local_nginx.NginxError as error:
        pytest.fail(str(error))
    database_url = _required("DATABASE_URL")
    if not re.match(r"postgres(ql)?(\+psycopg)?://", database_url):
        pytest.fail("DATABASE_URL must be PostgreSQL for the deployment smoke test")
    redis_url = os.environ.get("DEPLOY_REDIS_URL", "redis://127.0.0.1:6379/14")
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # rate-limit counts from an earlier run
    tmp = tmp_path_factory.mktemp("deploy")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    env = app_environment(content, database_url, redis_url)
    subprocess.run([str(VENV_BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    processes = []
    try:
        for port, name in ((APP_A, "a"), (APP_B, "b")):
            log = tmp / f"gunicorn-{name}.log"
            app = start([str(VENV_BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
                        {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, log)
            processes.append(app)
            wait_for_health(Client("127.0.0.1", port, tls=False, host=f"127.0.0.1:{port}"), app, log)
        conf = nginx_config(tmp, self_signed(tmp))
        proxy = local_nginx.start(tmp, conf, nginx)
        processes.append(proxy)
        topo = Topology(NGINX_HTTPS, (APP_A, APP_B), content, tmp)
        wait_for_health(topo.via_nginx(), proxy, tmp / "error.log")
        yield topo
    finally:
        for process in reversed(processes):
            local_nginx.stop(process)  # SIGTERM, then SIGKILL: for gunicorn too
