"""Run deploy/nginx-site.conf locally: temporary ports, paths and a self-signed certificate.

Used by the deployment smoke test (tests/deploy/conftest.py) and by the benches that measure
the production topology (bench/bench_poor_signal.py). Both put this folder on ``sys.path`` and
``import local_nginx``: deploy/ is not a package (tests/deploy is imported as ``deploy``), and
bench/ never imports from tests/.

The site file is used as shipped, with only these swaps: the upstream port, the listen
addresses (127.0.0.1, no IPv6), the certificate, the static folder, the access log and the
ACME root. A swap that no longer matches is an error, so the file and this module stay in step.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEPLOY_DIR = Path(__file__).resolve().parent
SITE_FILE = DEPLOY_DIR / "nginx-site.conf"
HOST = "training.example.org"  # the site file's server_name


@dataclass(frozen=True)
class Ports:
    https: int
    http: int
    upstream: int  # the gunicorn nginx proxies to


class NginxError(RuntimeError):
    """nginx is missing, exited, or did not answer in time."""


def find_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise NginxError("nginx is not installed: apt-get install -y nginx-light")
    return found


def self_signed(folder: Path, host: str = HOST) -> tuple[Path, Path]:
    """A one-day self-signed certificate and its key for ``host``, written into ``folder``."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host},IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def spki_sha256(cert: Path) -> str:
    """Base64 SHA-256 of the certificate's public key, for Chromium's
    ``--ignore-certificate-errors-spki-list``: a certificate trusted that way is valid, so
    Chromium caches what it serves (it caches nothing from a certificate it was told to ignore)."""
    public = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-pubkey"],
                            check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public,
                         check=True, capture_output=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def site_config(folder: Path, ports: Ports, certificate: tuple[Path, Path], static_dir: Path) -> str:
    """The text of deploy/nginx-site.conf with this run's ports and paths."""
    site = SITE_FILE.read_text(encoding="utf-8")
    swaps = [
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{ports.upstream};"),
        ("listen 80;", f"listen 127.0.0.1:{ports.http};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{ports.https} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("/etc/letsencrypt/live/training.example.org/fullchain.pem", str(certificate[0])),
        ("/etc/letsencrypt/live/training.example.org/privkey.pem", str(certificate[1])),
        ("/srv/portal/training_portal/static/", f"{static_dir}/"),
        ("/var/log/nginx/training-portal.access.log", str(folder / "access.log")),
        ("root /var/www/html;", f"root {folder};"),
    ]
    for old, new in swaps:
        if old not in site:
            raise NginxError(f"deploy/nginx-site.conf no longer contains {old!r}: update {__file__}")
        site = site.replace(old, new)
    return site


def render(folder: Path, ports: Ports, certificate: tuple[Path, Path], static_dir: Path,
           worker_connections: int = 256) -> Path:
    """Write site.conf and a minimal nginx.conf around it into ``folder``; return nginx.conf.
    ``worker_connections`` counts client and upstream connections alike."""
    (folder / "site.conf").write_text(site_config(folder, ports, certificate, static_dir),
                                      encoding="utf-8")
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    # Started as root (CI), nginx would run its workers as nobody, who cannot read a private
    # temporary folder: keep them as the user that started it.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(f"""
{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections {worker_connections}; }}
http {{
    {mime}
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
""", encoding="utf-8")
    return conf


def start(folder: Path, conf: Path, nginx: str | None = None) -> subprocess.Popen[bytes]:
    """nginx in the foreground with ``folder`` as its prefix; output in folder/nginx.out."""
    command = [nginx or find_nginx(), "-p", str(folder), "-c", str(conf),
               "-e", str(folder / "error.log")]
    with (folder / "nginx.out").open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server process (nginx, or a gunicorn beside it): SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_tls(port: int, process: subprocess.Popen[bytes], folder: Path, seconds: float = 15) -> None:
    """Return once nginx completes a TLS handshake on ``port``."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NginxError(f"nginx exited with {process.returncode}: {_log_tail(folder)}")
        with (contextlib.suppress(OSError),
              socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
              context.wrap_socket(raw, server_hostname=HOST)):
            return
        time.sleep(0.1)
    raise NginxError(f"nginx did not accept TLS on {port} within {seconds:.0f} s: {_log_tail(folder)}")


def _log_tail(folder: Path) -> str:
    log = folder / "error.log"
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no error.log)"


@contextlib.contextmanager
def running(folder: Path, ports: Ports, static_dir: Path,
            worker_connections: int = 256) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    """nginx from deploy/nginx-site.conf in front of 127.0.0.1:<ports.upstream>, until exit.
    Yields the self-signed certificate it serves (valid for HOST and 127.0.0.1) and nginx."""
    certificate = self_signed(folder)
    process = start(folder, render(folder, ports, certificate, static_dir, worker_connections))
    try:
        wait_for_tls(ports.https, process, folder)
        yield certificate[0], process
    finally:
        stop(process)
