"""A lesson page on a poor signal, in Chromium: first and second visit, requests and weights.

    .venv/bin/python bench/bench_poor_signal.py [--runs 3] [--no-nginx] [--json out.json]

Budgets (issue 11): first visit to a lesson (signed in) <= 1.0 s to the load event, second
visit <= 0.5 s; on the second visit only the HTML document should go over the network
(fingerprinted static files cached as immutable); HTML and CSS compressed.

Measures the production topology: nginx from deploy/nginx-site.conf (deploy/local_nginx.py:
temporary ports in BENCH_PORTS, a self-signed certificate, so HTTPS and HTTP/2; gzip; static
files served by nginx with the year-long immutable cache) in front of the same gunicorn as
bench_side_by_side.py (throwaway SQLite, a signed-in member of staff, 2 sync workers).
``--no-nginx`` points Chromium at gunicorn directly (plain HTTP, static files from the app,
nothing compressed) to compare.

Playwright drives Debian's Chromium (/usr/bin/chromium, the flags the browser tests use;
the self-signed certificate accepted) with the session cookie, and CDP
``Network.emulateNetworkConditions`` adds 400 ms of latency with 400 kbit/s down and up.
Each run is a fresh browser context (empty cache, new connection): visit 1, then the same
address again in the same tab (visit 2). Reported per visit: time to the load event
(Navigation Timing), requests that went over the network (responses not from Chromium's
memory or disk cache; a 304 revalidation counts), bytes transferred (as sent: compressed,
headers included) and the text responses (HTML, CSS) that came uncompressed.
Median over the runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent / "deploy"))

import local_nginx  # noqa: E402
from bench_module_page import USER_AGENT, capture_page, gunicorn  # noqa: E402
from bench_side_by_side import signed_in_portal  # noqa: E402
from figures import Figure, write_json  # noqa: E402
from nginx_front import HOST, nginx_in_front  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
POOR_SIGNAL = {"offline": False, "latency": 400,  # ms added to each request's round trip
               "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}  # bytes/s


@dataclass
class Visit:
    load_ms: float = 0.0
    network: list[str] = field(default_factory=list)  # "status url" of responses off the network
    cached: int = 0
    transferred: int = 0
    uncompressed: list[str] = field(default_factory=list)  # HTML/CSS sent without gzip


TEXT_TYPES = ("text/html", "text/css")  # the budget; the 235-byte favicon is under gzip_min_length


class NetworkLog:
    """Responses and bytes seen through CDP for the requests the current visit sent.

    A request sent before the visit started (the favicon Chromium fetches after the previous
    load event) is left out. A hit in Chromium's memory cache still fires responseReceived
    (status 200, not from disk cache); ``requestServedFromCache`` is what marks it, so a
    request counts as over the network only when neither cache answered it."""

    def __init__(self, cdp: Any) -> None:
        self.visit = Visit()
        self.sent: set[str] = set()
        self.from_cache: set[str] = set()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._served_from_cache)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict[str, Any]) -> None:
        self.sent.add(event["requestId"])

    def _served_from_cache(self, event: dict[str, Any]) -> None:
        self.from_cache.add(event["requestId"])

    def _response(self, event: dict[str, Any]) -> None:
        request_id, response = event["requestId"], event["response"]
        if request_id not in self.sent:
            return
        if request_id in self.from_cache or response.get("fromDiskCache") or response.get("fromMemoryCache"):
            self.visit.cached += 1
            return
        self.visit.network.append(f"{response['status']} {response['url']}")
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        if response.get("mimeType") in TEXT_TYPES and response["status"] == 200 \
                and "content-encoding" not in headers:
            self.visit.uncompressed.append(response["url"])

    def _finished(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self.sent:
            self.visit.transferred += int(event.get("encodedDataLength", 0))

    def start(self) -> None:
        self.visit = Visit()
        self.sent = set()
        self.from_cache = set()


def visit(page: Any, log: NetworkLog, url: str) -> Visit:
    log.start()
    page.goto(url, wait_until="load")
    page.wait_for_timeout(200)  # let the last loadingFinished events arrive
    log.visit.load_ms = page.evaluate(
        "() => performance.getEntriesByType('navigation')[0].loadEventEnd")
    return log.visit


def one_run(browser: Any, base: str, path: str, cookie: str) -> tuple[Visit, Visit]:
    context = browser.new_context(user_agent=USER_AGENT, base_url=base, ignore_https_errors=True)
    context.add_cookies([{"name": "session", "value": cookie, "url": base}])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", POOR_SIGNAL)
    log = NetworkLog(cdp)
    first = visit(page, log, base + path)
    assert "/login" not in page.url, "the session cookie was not accepted"
    second = visit(page, log, base + path)
    context.close()
    return first, second


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", default="recognising-predatory-behaviour")
    parser.add_argument("--page", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run")
    parser.add_argument("--no-nginx", dest="nginx", action="store_false",
                        help="Chromium straight to gunicorn (no proxy, no compression) to compare")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    return args


def figures(firsts: list[Visit], seconds: list[Visit]) -> list[Figure]:
    first_ms = statistics.median(v.load_ms for v in firsts)
    second_ms = statistics.median(v.load_ms for v in seconds)
    second_requests = max(len(v.network) for v in seconds)
    first_kb = statistics.median(v.transferred for v in firsts) / 1024
    uncompressed = max(len(v.uncompressed) for v in firsts)
    return [
        Figure("poor signal: first visit to a lesson, load event", first_ms, "ms", "≤ 1,000 ms",
               first_ms <= 1000),
        Figure("poor signal: second visit, load event", second_ms, "ms", "≤ 500 ms",
               second_ms <= 500),
        Figure("poor signal: second visit, requests over the network", second_requests, "",
               "1 (the HTML document)", second_requests <= 1),
        Figure("lesson page weight, first visit (everything transferred)", first_kb, "KB",
               "≤ 40 KB", first_kb <= 40),
        Figure("page weight, second visit (transferred)",
               statistics.median(v.transferred for v in seconds) / 1024, "KB"),
        Figure("poor signal: HTML/CSS responses sent uncompressed, first visit", uncompressed,
               "", "0 (gzip)", uncompressed == 0),
    ]


@contextlib.contextmanager
def front(tmp: Path, upstream: int, nginx: bool) -> Iterator[tuple[str, list[str]]]:
    """The address Chromium visits, and its extra flags: nginx (deploy/nginx-site.conf) before
    gunicorn, reached as https://training.example.org:<port> (resolved to 127.0.0.1, its
    certificate trusted by key so Chromium caches as it would in production); or gunicorn."""
    if not nginx:
        yield f"http://127.0.0.1:{upstream}", []
        return
    with nginx_in_front(tmp, upstream) as nginx:
        flags = [f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
                 f"--ignore-certificate-errors-spki-list={local_nginx.spki_sha256(nginx.certificate)}"]
        yield f"https://{HOST}:{nginx.port}", flags


def topology_note(nginx: bool) -> str:
    if nginx:
        return ("through nginx (deploy/nginx-site.conf), gzip, static from nginx "
                "(immutable cache), HTTPS with HTTP/2")
    return "gunicorn without a proxy (--no-nginx: no compression, static from the app)"


def main() -> None:
    from playwright.sync_api import sync_playwright

    args = parse_args()
    load_start = os.getloadavg()
    path = f"/modules/{args.module}/{args.page}"
    firsts: list[Visit] = []
    seconds: list[Visit] = []
    with tempfile.TemporaryDirectory(prefix="bench-signal-") as tmp:
        _, client, env, _ = signed_in_portal(Path(tmp), args.module)
        cookie, _ = capture_page(client, path)
        with gunicorn(env, 2) as server, front(Path(tmp), server.port, args.nginx) as (base, flags), \
                sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + flags)
            for _ in range(args.runs):
                first, second = one_run(browser, base, path, cookie)
                firsts.append(first)
                seconds.append(second)
                print(f"first {first.load_ms:.0f} ms, {len(first.network)} requests, "
                      f"{first.transferred:,} B; second {second.load_ms:.0f} ms, "
                      f"{len(second.network)} over the network: {second.network}; "
                      f"uncompressed: {first.uncompressed}", flush=True)
            browser.close()
    write_json(args.json, "poor_signal", figures(firsts, seconds),
               [f"Chromium, 400 ms latency, 400 kbit/s down/up; {args.runs} run(s), median; "
                f"{topology_note(args.nginx)}; load average "
                f"{load_start[0]:.2f} → {os.getloadavg()[0]:.2f}"],
               first=[asdict(v) for v in firsts], second=[asdict(v) for v in seconds])


if __name__ == "__main__":
    main()
