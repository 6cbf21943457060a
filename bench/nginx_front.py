"""nginx from deploy/nginx-site.conf in front of a bench's gunicorn: the production topology.

deploy/local_nginx.py (shared with the deployment smoke test) renders the site file with
temporary ports from BENCH_PORTS, paths and a self-signed certificate; static files are served
by nginx from training_portal/static with the shipped caching, HTML and CSS gzipped.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent / "deploy"))

import local_nginx  # noqa: E402
from bench_module_page import BENCH_PORTS  # noqa: E402

STATIC = BENCH_DIR.parent / "training_portal" / "static"
HOST = local_nginx.HOST


@dataclass(frozen=True)
class Front:
    port: int  # HTTPS
    certificate: Path  # self-signed, valid for HOST and 127.0.0.1
    pid: int  # the nginx master

    def cpu_seconds(self) -> float:
        """User + system CPU of nginx's master and workers so far, from /proc."""
        ticks = 0
        for pid in [self.pid, *_children(self.pid)]:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def two_free_ports() -> tuple[int, int]:
    """Two ports in BENCH_PORTS nobody is listening on (nginx's HTTPS and HTTP)."""
    found: list[socket.socket] = []
    try:
        for port in BENCH_PORTS:
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            found.append(sock)
            if len(found) == 2:
                return found[0].getsockname()[1], found[1].getsockname()[1]
    finally:
        for sock in found:
            sock.close()
    raise RuntimeError(f"no two free ports in {BENCH_PORTS.start}-{BENCH_PORTS.stop - 1}")


@contextlib.contextmanager
def nginx_in_front(tmp: Path, upstream: int, worker_connections: int = 256) -> Iterator[Front]:
    """nginx proxying to 127.0.0.1:<upstream> until the block ends; its files in tmp/nginx."""
    https, http = two_free_ports()
    folder = tmp / "nginx"
    folder.mkdir()
    ports = local_nginx.Ports(https, http, upstream)
    with local_nginx.running(folder, ports, STATIC, worker_connections) as (certificate, process):
        yield Front(https, certificate, process.pid)
