"""A small HTTP client for the smoke tests: keeps cookies, sends the Host nginx expects, and
does not decompress (so a test sees the Content-Encoding nginx chose)."""

from __future__ import annotations

import http.client
import re
import ssl
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def csrf_token(self) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.text) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', self.text)
        assert match, "no CSRF token in the page"
        return match.group(1)


def unverified_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the smoke test's own self-signed certificate
    return context


@dataclass
class Client:
    address: str
    port: int
    tls: bool
    host: str
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 20.0

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    def connection(self) -> http.client.HTTPConnection:
        if self.tls:
            return http.client.HTTPSConnection(self.address, self.port, timeout=self.timeout,
                                               context=unverified_tls())
        return http.client.HTTPConnection(self.address, self.port, timeout=self.timeout)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        sent = {"Host": self.host, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = self.connection()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            reply = Reply(response.status, response.headers, response.read())
        finally:
            connection.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return reply

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})

    def post(self, path: str, form: dict[str, str], referer: str | None = None) -> Reply:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if referer is not None:
            headers["Referer"] = referer
        return self.request("POST", path, urlencode(form).encode(), headers)

    def submit(self, path: str, form: dict[str, str]) -> Reply:
        """GET the form, then POST it with its CSRF token, as a browser on this origin would."""
        token = self.get(path).csrf_token()
        return self.post(path, {**form, "csrf_token": token}, referer=f"{self.origin}{path}")
