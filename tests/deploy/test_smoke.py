"""A journey through nginx → gunicorn → PostgreSQL + Redis, as production runs it (conftest.py)."""

from __future__ import annotations

import gzip
import re
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .client import Client, Reply, unverified_tls
from .conftest import HOST, LOGIN_LIMIT, NGINX_HTTP, PORT_BASE, ROOT, VENV_BIN, Topology, app_environment

LESSON = "/modules/ask-for-angela/1"
PASSWORD = "smoke-test-password-1"  # noqa: S105  (a throw-away account in the smoke database)


def _register(client: Client) -> str:
    email = f"smoke-{secrets.token_hex(6)}@example.org"
    reply = client.submit("/register", {"name": "Smoke Tester", "printed_name": "", "email": email,
                                        "password": PASSWORD})
    assert reply.status in (302, 303), reply.text[:2000]
    return email


def _log_in(client: Client, email: str, password: str = PASSWORD) -> Reply:
    return client.submit("/login", {"email": email, "password": password})


def _plain(reply: Reply) -> str:
    body = gzip.decompress(reply.body) if reply.headers.get("Content-Encoding") == "gzip" else reply.body
    return body.decode("utf-8")


def _stylesheet(page: str) -> str:
    found = re.findall(r'href="(/static/site\.[0-9a-f]{12}\.css)"', page)
    assert found, "the page links no fingerprinted stylesheet"
    return found[0]


# --- the journey through nginx ---------------------------------------------------------------

def test_health_and_plain_http_redirects_to_https(topology: Topology) -> None:
    assert topology.via_nginx().get("/healthz").status == 200
    plain = Client("127.0.0.1", NGINX_HTTP, tls=False, host=HOST).get("/login")
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://{HOST}/login"


def test_journey_register_read_a_lesson_and_log_in_again(topology: Topology) -> None:
    client = topology.via_nginx()
    email = _register(client)
    assert client.get("/my/training").status == 200
    lesson = client.get(LESSON, Accept_Encoding="gzip")
    assert lesson.status == 200
    assert "Ask for Angela" in _plain(lesson)
    assert lesson.headers["Strict-Transport-Security"]  # production settings are live
    fresh = topology.via_nginx()
    assert _log_in(fresh, email).status in (302, 303)
    assert fresh.get("/my/training").status == 200


def test_the_app_sees_https_so_a_post_without_a_referrer_is_refused(topology: Topology) -> None:
    """X-Forwarded-Proto reaches the app (PROXY_COUNT=1): on HTTPS Flask-WTF also checks the
    Referer, so the same form without one fails and with one succeeds."""
    client = topology.via_nginx()
    token = client.get("/login").csrf_token()
    form = {"email": "nobody@example.org", "password": "wrong-password-1", "csrf_token": token}
    assert client.post("/login", form).status == 400
    with_referrer = client.post("/login", form, referer=f"https://{HOST}/login")
    assert with_referrer.status == 200 and "do not match" in with_referrer.text


def test_html_css_and_svg_are_compressed(topology: Topology) -> None:
    client = topology.via_nginx()
    page = client.get("/login", Accept_Encoding="gzip")
    assert page.headers["Content-Encoding"] == "gzip"
    css = client.get(_stylesheet(_plain(page)), Accept_Encoding="gzip")
    assert css.status == 200 and css.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(css.body) == (ROOT / "training_portal/static/site.css").read_bytes()
    svg = client.get("/static/chart.svg", Accept_Encoding="gzip")  # conftest.py made it
    assert svg.headers["Content-Type"] == "image/svg+xml" and svg.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in client.get("/login").headers  # only when asked


def test_static_files_come_from_nginx_with_a_year_immutable_cache(topology: Topology) -> None:
    client = topology.via_nginx()
    css = client.get(_stylesheet(client.get("/login").text))
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert css.headers["Server"].startswith("nginx")
    plain = client.get("/static/site.css")
    assert plain.status == 200 and plain.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/nothing.0123456789ab.css").status == 404


# --- slow and idle clients --------------------------------------------------------------------

class Trickler(threading.Thread):
    """A client that opens a TLS connection and sends its request header a byte at a time."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.stopped = threading.Event()

    def run(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        with unverified_tls().wrap_socket(raw, server_hostname=HOST) as tls:
            tls.sendall(b"GET /healthz HTTP/1.1\r\n")
            for byte in b"Host: " + HOST.encode() + b"\r\nX-Slow: " + b"a" * 100:
                if self.stopped.wait(2):
                    return
                tls.sendall(bytes([byte]))


@pytest.fixture
def slow_and_idle_clients(topology: Topology) -> Iterator[None]:
    tricklers = [Trickler(topology.nginx_port) for _ in range(2)]
    for trickler in tricklers:
        trickler.start()
    idle = socket.create_connection(("127.0.0.1", topology.nginx_port), timeout=30)
    kept_alive = unverified_tls().wrap_socket(
        socket.create_connection(("127.0.0.1", topology.nginx_port), timeout=30), server_hostname=HOST)
    kept_alive.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    assert kept_alive.recv(4096).startswith(b"HTTP/1.1 200")  # then it stays open, saying nothing
    time.sleep(1)
    yield
    for trickler in tricklers:
        trickler.stopped.set()
    idle.close()
    kept_alive.close()


def _timed_health(client: Client) -> float:
    started = time.monotonic()
    assert client.get("/healthz").status == 200
    return time.monotonic() - started


@pytest.mark.usefixtures("slow_and_idle_clients")
def test_trickling_and_idle_clients_do_not_hold_the_only_worker(topology: Topology) -> None:
    """gunicorn runs 1 sync worker; on its own it would wait up to 30 s on the first slow client.
    nginx holds them, so /healthz keeps answering at once."""
    timings = []
    for _ in range(4):
        timings.append(_timed_health(topology.via_nginx()))
        time.sleep(1.5)
    assert max(timings) < 1.0, timings


# --- two app servers, one database, one Redis -------------------------------------------------

def test_signed_in_on_one_server_carries_on_on_the_other(topology: Topology) -> None:
    first, second = topology.direct(0), topology.direct(1)
    email = _register(first)
    assert _log_in(first, email).status in (302, 303)
    second.cookies = dict(first.cookies)
    on_second = second.get("/my/training")
    assert on_second.status == 200 and "Smoke Tester" in on_second.text
    assert second.get(LESSON).status == 200


def test_wrong_passwords_across_both_servers_share_one_limit(topology: Topology) -> None:
    email = _register(topology.direct(0))
    statuses = []
    for attempt in range(LOGIN_LIMIT + 1):
        client = topology.direct(attempt % 2)
        statuses.append(_log_in(client, email, "not-the-password").status)
    assert statuses == [200] * LOGIN_LIMIT + [429], statuses


def _title_everywhere(topology: Topology, cookies: dict[str, str], title: str) -> bool:
    for which in (0, 1):
        client = topology.direct(which)
        client.cookies = dict(cookies)
        if title not in client.get("/modules/ask-for-angela").text:
            return False
    return True


def test_a_content_change_is_seen_by_both_servers(topology: Topology) -> None:
    signer = topology.direct(0)
    _log_in(signer, _register(signer))
    module = Path(topology.content_dir) / "modules" / "ask-for-angela" / "module.md"
    text = module.read_text(encoding="utf-8")
    new_title = f"Ask for Angela, revised {secrets.token_hex(3)}"
    module.write_text(re.sub(r"^title: .*$", f"title: {new_title}", text, count=1, flags=re.M),
                      encoding="utf-8")
    deadline = time.monotonic() + 15
    while not _title_everywhere(topology, signer.cookies, new_title):
        assert time.monotonic() < deadline, "a server still shows the old title after 15 s"
        time.sleep(0.5)


# --- start-up refusal -------------------------------------------------------------------------

def test_gunicorn_refuses_to_start_production_with_per_process_rate_limits(topology: Topology) -> None:
    env = app_environment(topology.content_dir, "postgresql://unused@127.0.0.1:9/x", "memory://")
    result = subprocess.run([str(VENV_BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
                            cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{PORT_BASE + 99}"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "RATELIMIT_STORAGE_URI is memory://" in result.stdout + result.stderr


# --- logs --------------------------------------------------------------------------------------

def test_access_logs_hold_no_tokens_or_query_strings(topology: Topology) -> None:
    client = topology.via_nginx()
    secret = secrets.token_urlsafe(24)
    client.get(f"/login/link/{secret}")
    client.get(f"/reset/{secret}")
    client.get(f"/login?next=/my/training&token={secret}")
    time.sleep(0.5)  # nginx writes its access log line when the response is done
    nginx_log = (topology.log_dir / "access.log").read_text(encoding="utf-8")
    app_log = (topology.log_dir / "gunicorn-a.log").read_text(encoding="utf-8")
    assert "/login/link/[hidden]" in nginx_log and "/reset/[hidden]" in app_log  # the requests were logged
    assert secret not in nginx_log and secret not in app_log
