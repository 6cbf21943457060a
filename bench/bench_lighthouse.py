"""Lighthouse mobile scores for a lesson page and the quiz page, signed in.

    make bench-tools                        # once: npm lighthouse into bench/.node (Node >= 18.16)
    .venv/bin/python bench/bench_lighthouse.py [--json out.json]

Same set-up and server as bench_side_by_side.py (throwaway SQLite, a signed-in member of
staff who has read the module and started its quiz; gunicorn 2 sync workers, static files
from the app, no proxy). Lighthouse 12 (bench/.node) runs Debian's Chromium
(``CHROME_PATH=/usr/bin/chromium``, headless, the browser tests' flags) with its default
mobile settings (Moto G-class screen, simulated slow 4G, 4x CPU slowdown) and the session
cookie sent with ``--extra-headers``. The portal ties a session to the browser's user agent,
so Lighthouse's emulated user agent is set to the one the cookie was made with. Scores are
0-100 for performance, accessibility, best practices and SEO; no budget is set for them yet.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from bench_module_page import USER_AGENT, capture_page, gunicorn  # noqa: E402
from bench_poor_signal import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from bench_side_by_side import signed_in_portal  # noqa: E402
from figures import Figure, write_json  # noqa: E402

LIGHTHOUSE = BENCH_DIR / ".node" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def lighthouse(url: str, cookie: str, tmp: Path, name: str) -> dict[str, Any]:
    """One Lighthouse run; the four category scores (0-100) and the key timings."""
    headers, report = tmp / "headers.json", tmp / f"{name}.json"
    headers.write_text(json.dumps({"Cookie": f"session={cookie}"}))
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
               f"--chrome-flags={' '.join(['--headless=new', *CHROMIUM_ARGS])}",
               f"--extra-headers={headers}", f"--only-categories={','.join(CATEGORIES)}",
               f"--emulatedUserAgent={USER_AGENT}"]
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=240)
    result = json.loads(report.read_text())
    final = result.get("finalDisplayedUrl") or result.get("finalUrl", "")
    if "/login" in final:
        raise RuntimeError(f"Lighthouse was sent to the log-in page for {url}")
    scores: dict[str, Any] = {c: round(100 * (result["categories"][c]["score"] or 0))
                              for c in CATEGORIES}
    audits = result["audits"]
    scores["failing"] = sorted({ref["id"] for c in CATEGORIES for ref in result["categories"][c]["auditRefs"]
                                if ref.get("weight") and (audits[ref["id"]].get("score") or 0) < 0.9
                                and audits[ref["id"]].get("scoreDisplayMode") in ("binary", "numeric")})
    for audit in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time"):
        scores[audit] = float(audits[audit]["numericValue"])
    return scores


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", default="recognising-predatory-behaviour")
    parser.add_argument("--page", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="the same (one run per page)")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: make bench-tools (npm into bench/.node)")
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as tmp_name:
        tmp = Path(tmp_name)
        _, client, env, quiz_path = signed_in_portal(tmp, args.module)
        paths = {"lesson": f"/modules/{args.module}/{args.page}", "quiz": quiz_path}
        cookie = ""
        for path in paths.values():
            cookie, _ = capture_page(client, path)
        with gunicorn(env, 2) as server:
            base = f"http://127.0.0.1:{server.port}"
            results = {name: lighthouse(base + path, cookie, tmp, name)
                       for name, path in paths.items()}
    figures = []
    for name, scores in results.items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in scores.items()))
        figures.append(Figure(f"Lighthouse mobile, {name} page: performance", scores["performance"],
                              f"/ 100 (LCP {scores['largest-contentful-paint'] / 1000:.1f} s)"))
        figures.append(Figure(f"Lighthouse mobile, {name} page: accessibility / best practices / SEO",
                              scores["accessibility"],
                              f"/ {scores['best-practices']} / {scores['seo']}"))
    failing = sorted({audit for scores in results.values() for audit in scores["failing"]})
    write_json(args.json, "lighthouse", figures,
               ["Lighthouse 12.8 mobile defaults (simulated slow 4G, 4x CPU slowdown), Debian "
                "Chromium headless, gunicorn without a proxy (no compression); audits below 0.9: "
                + (", ".join(failing) or "none")],
               scores=results)


if __name__ == "__main__":
    main()
