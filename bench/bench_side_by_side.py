"""The portal against a minimal Flask app outside it returning the same bytes, side by side.

    .venv/bin/python bench/bench_side_by_side.py [--rounds 3] [--seconds 10] [--json out.json]
                                                 [--pages lesson,my_training,quiz]

Budgets (issue 11, PRODUCT.md): against the minimal app, same gunicorn settings, same run,
a lesson page serves >= 0.60 of its requests per second (<= 1.7x its CPU per request);
My training <= 2.5x its CPU; the quiz page <= 2.5x.

Set-up (in-process, throwaway SQLite): one user signs in through POST /login, reads every
page of the module, starts its quiz; the lesson page, My training and the quiz page
(``/quiz/<id>``, the questions) are each read until the session cookie stops changing and
their bytes and headers saved. ``minimal_app.py`` serves those bytes and headers with
nothing from the portal imported. Both apps run under gunicorn at once (2 sync workers
each, 127.0.0.1) and wrk alternates portal, minimal, portal, minimal ... on each page.
CPU per request is the gunicorn master + workers' utime + stime from /proc/<pid>/stat over
the wrk run, divided by the requests it made: the steadiest figure on a shared machine.

This replaces bench_module_page.py's "bare route inside the portal" comparison, which ran
the portal's per-request hooks for the bare route too and so flattered the portal.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from bench_app import make_bench_app  # noqa: E402
from bench_module_page import (  # noqa: E402
    USER_AGENT,
    Server,
    WrkResult,
    add_wrk_arguments,
    bench_environment,
    capture_page,
    fetch,
    gunicorn,
    prepare_database,
    run_wrk,
    sign_in,
)
from figures import Figure, write_json  # noqa: E402
from flask import Flask  # noqa: E402

MINIMAL_APP = "minimal_app:make_minimal_app()"
#: (page, throughput ratio floor or None, CPU ratio ceiling)
BUDGETS = {"lesson": (0.60, 1.7), "my_training": (None, 2.5), "quiz": (None, 2.5)}


def csrf_token(html: str) -> str:
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token, "no CSRF token on the page"
    return token.group(1)


def read_module(app: Flask, client: Any, slug: str) -> int:
    """Read every page of the module (the quiz opens after that); return the page count."""
    pages = len(app.extensions["catalog"].current.modules[slug].pages)
    for number in range(1, pages + 1):
        assert client.get(f"/modules/{slug}/{number}").status_code == 200
    return pages


def start_quiz(client: Any, slug: str) -> str:
    """Start the module's quiz through its form; return the attempt's address."""
    intro = client.get(f"/modules/{slug}/quiz").get_data(as_text=True)
    response = client.post(f"/modules/{slug}/quiz/start", data={"csrf_token": csrf_token(intro)})
    assert response.status_code in (302, 303), f"quiz start gave {response.status_code}"
    location = response.headers["Location"]
    assert "/quiz/" in location, f"quiz start went to {location}"
    return location[location.index("/quiz/"):]


def signed_in_portal(tmp: Path, slug: str) -> tuple[Flask, Any, dict[str, str], str]:
    """Migrated SQLite portal, a signed-in client that has read the module and started its quiz.
    Returns the app, the client, the environment for gunicorn and the quiz page's address."""
    env = bench_environment(tmp, tmp / "page.html")
    env.pop("BENCH_BARE_PAGE")  # the portal as shipped: no bare route
    os.environ.pop("BENCH_BARE_PAGE", None)
    app = make_bench_app()
    prepare_database(app)
    client = sign_in(app)
    read_module(app, client, slug)
    return app, client, env, start_quiz(client, slug)


def capture(client: Any, path: str, folder: Path, name: str) -> tuple[str, dict[str, Any]]:
    """Steady-state bytes and headers of one page, saved for minimal_app.py."""
    cookie, body = capture_page(client, path)
    headers = [(k, v) for k, v in client.get(path).headers.items()]
    body_file = folder / f"{name}.html"
    body_file.write_bytes(body)
    return cookie, {"body_file": str(body_file), "status": 200, "headers": headers}


def refresh_cookie(portal: Server, path: str, headers: dict[str, str]) -> None:
    """Take the portal's re-signed session cookie, as a browser would.

    The portal rewrites the cookie's last-seen time once a minute (accounts/sessions.py,
    SEEN_RESOLUTION); replaying an older cookie would make every response set a new one."""
    cookie = fetch(portal.port, path, headers).getheader("Set-Cookie") or ""
    match = re.match(r"session=([^;]+)", cookie)
    if match:
        headers["Cookie"] = f"session={match.group(1)}"


def same_response(portal: Server, minimal: Server, path: str, headers: dict[str, str]) -> int:
    """Both answer 200 with the same body length and no cookie; return the header bytes' difference."""
    refresh_cookie(portal, path, headers)
    a, b = fetch(portal.port, path, headers), fetch(minimal.port, path, headers)
    for name, response in (("portal", a), ("minimal", b)):
        assert response.status == 200, f"{name} {path} gave {response.status}"
        assert response.getheader("Set-Cookie") is None, f"{name} {path} sets a cookie"
    assert a.getheader("Content-Length") == b.getheader("Content-Length"), path

    def size(response: Any) -> int:
        return sum(len(k) + len(v) + 4 for k, v in response.getheaders())

    return size(a) - size(b)


def alternate(servers: dict[str, Server], path: str, headers: dict[str, str],
              args: argparse.Namespace) -> dict[str, list[WrkResult]]:
    for name, server in servers.items():
        if name == "portal":
            refresh_cookie(server, path, headers)
        run_wrk(server, path, headers, 2, args)  # warm-up, not counted
    results: dict[str, list[WrkResult]] = {name: [] for name in servers}
    for _ in range(args.rounds):
        for name, server in servers.items():
            if name == "portal":
                refresh_cookie(server, path, headers)  # runs are far shorter than a minute
            results[name].append(run_wrk(server, path, headers, args.seconds, args))
    return results


def summarise(page: str, path: str, results: dict[str, list[WrkResult]]) -> dict[str, Any]:
    def median(side: str, field: str) -> float:
        return statistics.median(getattr(r, field) for r in results[side])

    row = {"page": page, "path": path}
    for side in ("portal", "minimal"):
        row[side] = {"rps": median(side, "requests_per_second"), "cpu_ms": median(side, "cpu_ms"),
                     "p50_ms": median(side, "p50_ms"), "p99_ms": median(side, "p99_ms"),
                     "requests": sum(r.requests for r in results[side]),
                     "errors": sum(r.bad for r in results[side])}
    row["throughput_ratio"] = row["portal"]["rps"] / row["minimal"]["rps"]
    row["cpu_ratio"] = row["portal"]["cpu_ms"] / row["minimal"]["cpu_ms"]
    return row


def figures_for(row: dict[str, Any]) -> list[Figure]:
    floor, ceiling = BUDGETS[row["page"]]
    label = row["page"].replace("_", " ")
    found = [Figure(f"{label}: CPU per request vs minimal app", row["cpu_ratio"], "×",
                    f"≤ {ceiling}×", row["cpu_ratio"] <= ceiling)]
    if floor is not None:
        found.insert(0, Figure(f"{label}: throughput vs minimal app", row["throughput_ratio"], "×",
                               f"≥ {floor:.2f}", row["throughput_ratio"] >= floor))
    errors = row["portal"]["errors"] + row["minimal"]["errors"]
    if errors:
        found.append(Figure(f"{label}: wrk errors", errors, "", "0", False))
    return found


def print_table(rows: list[dict[str, Any]]) -> None:
    print("\n| page | portal req/s | minimal req/s | throughput ratio | portal CPU/req | "
          "minimal CPU/req | CPU ratio |\n| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['page']} `{r['path']}` | {r['portal']['rps']:,.0f} | {r['minimal']['rps']:,.0f} | "
              f"{r['throughput_ratio']:.2f} | {r['portal']['cpu_ms']:.2f} ms | "
              f"{r['minimal']['cpu_ms']:.2f} ms | {r['cpu_ratio']:.1f}× |")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_wrk_arguments(parser, "gunicorn sync workers (both apps)")
    parser.add_argument("--quick", action="store_true", help="1 round of 3 s: a smoke run")
    parser.add_argument("--pages", default=",".join(BUDGETS),
                        help=f"comma-separated, of {', '.join(BUDGETS)} (default: all)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds = 1, 3
    return args


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-side-") as tmp_name:
        tmp = Path(tmp_name)
        _, client, env, quiz_path = signed_in_portal(tmp, args.module)
        paths = {"lesson": f"/modules/{args.module}/{args.page}", "my_training": "/my/training",
                 "quiz": quiz_path}
        paths = {name: path for name, path in paths.items() if name in args.pages.split(",")}
        spec, cookie = {}, ""
        for name, path in paths.items():
            cookie, spec[path] = capture(client, path, tmp, name)
        (tmp / "pages.json").write_text(json.dumps(spec))
        minimal_env = {**env, "BENCH_MINIMAL_PAGES": str(tmp / "pages.json")}
        headers = {"Cookie": f"session={cookie}", "User-Agent": USER_AGENT}
        rows = []
        with gunicorn(env, args.workers) as portal, \
                gunicorn(minimal_env, args.workers, MINIMAL_APP) as minimal:
            for name, path in paths.items():
                header_gap = same_response(portal, minimal, path, headers)
                row = summarise(name, path, alternate({"portal": portal, "minimal": minimal},
                                                      path, headers, args))
                row["header_bytes_difference"] = header_gap
                rows.append(row)
                print(f"  {name}: portal {row['portal']['rps']:.0f} req/s "
                      f"{row['portal']['cpu_ms']:.2f} ms CPU; minimal {row['minimal']['rps']:.0f} "
                      f"req/s {row['minimal']['cpu_ms']:.2f} ms CPU", flush=True)
    print_table(rows)
    write_json(args.json, "side_by_side", [f for row in rows for f in figures_for(row)],
               [f"gunicorn {args.workers} sync workers each, wrk {args.threads} thread(s) "
                f"{args.connections} connections, {args.rounds} round(s) × {args.seconds} s; "
                f"SQLite; load average {load_start[0]:.2f} → {os.getloadavg()[0]:.2f}"],
               rows=rows)


if __name__ == "__main__":
    main()
