"""deploy/local_nginx.py renders deploy/nginx-site.conf for a local run (the smoke test and the
poor-signal bench use it): every production port and path is swapped, the rest is the file as
shipped. Text only; `make deploy-smoke` runs the result in nginx."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


@pytest.fixture()
def local_nginx() -> Iterator[ModuleType]:
    sys.path.insert(0, str(DEPLOY))
    try:
        import local_nginx

        yield local_nginx
    finally:
        sys.path.remove(str(DEPLOY))


def rendered(local_nginx: ModuleType, tmp_path: Path) -> str:
    ports = local_nginx.Ports(https=18790, http=18791, upstream=18792)
    certificate = (tmp_path / "cert.pem", tmp_path / "key.pem")
    conf = local_nginx.render(tmp_path, ports, certificate, tmp_path / "static")
    assert f"include {tmp_path}/site.conf;" in conf.read_text(encoding="utf-8")
    return (tmp_path / "site.conf").read_text(encoding="utf-8")


def test_every_production_port_and_path_is_swapped(local_nginx: ModuleType, tmp_path: Path) -> None:
    site = "\n".join(line for line in rendered(local_nginx, tmp_path).splitlines()
                     if not line.lstrip().startswith("#"))  # the comments name the production paths
    for production in ("127.0.0.1:8000", "listen 80", "listen 443", "[::]", "/etc/letsencrypt",
                       "/srv/portal", "/var/log", "/var/www"):
        assert production not in site
    assert "server 127.0.0.1:18792;" in site
    assert "listen 127.0.0.1:18790 ssl http2;" in site and "listen 127.0.0.1:18791;" in site
    assert f"ssl_certificate {tmp_path}/cert.pem;" in site
    assert f"alias {tmp_path}/static/$static_stem$static_suffix;" in site


def test_the_rest_of_the_site_file_is_kept(local_nginx: ModuleType, tmp_path: Path) -> None:
    site = rendered(local_nginx, tmp_path)
    for shipped in ("gzip on;", 'add_header Cache-Control "public, max-age=31536000, immutable";',
                    "proxy_request_buffering on;", "proxy_set_header X-Forwarded-For $remote_addr;"):
        assert shipped in site


def test_a_swap_that_no_longer_matches_is_an_error(local_nginx: ModuleType, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    changed = tmp_path / "nginx-site.conf"
    changed.write_text(local_nginx.SITE_FILE.read_text(encoding="utf-8").replace("listen 80;", "listen 8080;"),
                       encoding="utf-8")
    monkeypatch.setattr(local_nginx, "SITE_FILE", changed)
    with pytest.raises(local_nginx.NginxError, match="listen 80;"):
        rendered(local_nginx, tmp_path)
