"""Worker memory over 20,000 mixed requests: each gunicorn worker's RSS before and after.

    .venv/bin/python bench/bench_memory.py [--requests 20000] [--json out.json]

Budget (issue 11): worker memory flat, within ± 10 MB, over 20,000 mixed requests.

Same set-up and server as bench_side_by_side.py (throwaway SQLite, a signed-in member of
staff who has read the module and started its quiz; gunicorn, 2 sync workers). Four client
threads send exactly N requests, a connection each, cycling through signed-in pages (every
lesson page, My training, the quiz intro, the quiz itself, My certificates). RSS (VmRSS in
/proc/<pid>/status) of each worker is read after start, after a warm-up of 2,000 requests
(imports, caches and the catalog settle there) and after the N requests; the budget applies
to warm-up → end.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from bench_module_page import USER_AGENT, Server, capture_page, fetch, gunicorn  # noqa: E402
from bench_side_by_side import refresh_cookie, signed_in_portal  # noqa: E402
from figures import Figure, write_json  # noqa: E402


def worker_rss_mb(server: Server) -> dict[int, float]:
    """VmRSS of each worker (not the master), in MB."""
    found = {}
    for pid in server.pids()[1:]:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                found[pid] = int(line.split()[1]) / 1024
    return found


def send(server: Server, paths: list[str], count: int, cookie: str) -> tuple[int, int]:
    """Exactly ``count`` GETs cycling through ``paths`` from 4 client threads; (sent, bad ones).
    Sent in batches of 1,000, taking the portal's re-signed cookie before each (as a browser
    would; it changes once a minute)."""
    headers = {"Cookie": f"session={cookie}", "User-Agent": USER_AGENT}

    def one(n: int) -> bool:
        try:
            return fetch(server.port, paths[n % len(paths)], headers).status in (200, 302)
        except OSError:
            return False

    good = 0
    with ThreadPoolExecutor(max_workers=4) as pool:
        for start in range(0, count, 1000):
            refresh_cookie(server, paths[0], headers)
            good += sum(pool.map(one, range(start, min(start + 1000, count)), chunksize=50))
    return count, count - good


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", default="recognising-predatory-behaviour")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--warm-up", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="2,000 requests after 500 warm-up")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.warm_up = 2000, 500
    return args


def main() -> None:
    args = parse_args()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp_name:
        tmp = Path(tmp_name)
        app, client, env, quiz_path = signed_in_portal(tmp, args.module)
        pages = len(app.extensions["catalog"].current.modules[args.module].pages)
        paths = [f"/modules/{args.module}/{n}" for n in range(1, pages + 1)] + [
            "/my/training", f"/modules/{args.module}/quiz", quiz_path,
            "/my/certificates"]
        cookie = ""
        for path in paths:
            cookie, _ = capture_page(client, path)
        with gunicorn(env, args.workers) as server:
            at_start = worker_rss_mb(server)
            warm, warm_bad = send(server, paths, args.warm_up, cookie)
            before = worker_rss_mb(server)
            sent, bad = send(server, paths, args.requests, cookie)
            after = worker_rss_mb(server)
    growth = {pid: after[pid] - before[pid] for pid in before if pid in after}
    worst = max(growth.values(), key=abs) if growth else 0.0
    for pid in sorted(before):
        print(f"worker {pid}: {at_start.get(pid, 0):.1f} MB at start, {before[pid]:.1f} MB after "
              f"{warm:,} warm-up requests, {after.get(pid, 0):.1f} MB after {sent:,} more")
    figures = [Figure(f"worker RSS change over {sent:,} mixed requests (largest)", worst, "MB",
                      "within ± 10 MB", abs(worst) <= 10 and len(growth) == args.workers),
               Figure("worker RSS at the end (largest)", max(after.values(), default=0.0), "MB",
                      "≤ 120 MB", 0 < max(after.values(), default=0.0) <= 120)]
    if bad + warm_bad:
        figures.append(Figure("memory run: non-2xx responses or socket errors", bad + warm_bad, "",
                              "0", False))
    write_json(args.json, "memory", figures,
               [f"{len(paths)} signed-in pages in turn, SQLite, gunicorn {args.workers} sync "
                f"workers; load average {load_start[0]:.2f} → {os.getloadavg()[0]:.2f}"],
               rss_mb={"start": at_start, "after_warm_up": before, "end": after},
               requests=sent, bad=bad + warm_bad)


if __name__ == "__main__":
    main()
