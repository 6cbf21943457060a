"""Browser tests: the real app served on a free port, driven by Debian's Chromium.

Each test gets its own app (built with the suite's ``make_app``, so it uses the same test
database and its rows are emptied afterwards) served by a threaded Werkzeug server, and a
fresh browser context with a 360 × 780 phone viewport. CSRF protection is on, as in
production, because a real browser submits the real forms.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PHONE = {"width": 360, "height": 780}
AXE_JS = Path(__file__).resolve().parent / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


# --- Chromium and Playwright -------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium; installed with apt-get when missing (never skipped)."""
    if not CHROMIUM.exists():
        _install_chromium()
    return CHROMIUM


def _install_chromium() -> None:
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.fail(f"{CHROMIUM} is missing and apt-get is not available: "
                    "install Chromium (`apt-get install -y chromium`) to run the browser tests")
    done = subprocess.run([apt, "install", "-y", "chromium"], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0 or not CHROMIUM.exists():
        pytest.fail(f"`apt-get install -y chromium` failed (exit {done.returncode}); the browser "
                    f"tests need {CHROMIUM}.\n{done.stderr[-2000:]}")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium_path: Path) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# --- The live server -------------------------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    """No access log lines; errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture
def live_app(make_app: Callable[..., Flask]) -> Flask:
    """The app the live server serves; use it for ``app_context()`` when making test data."""
    return make_app(WTF_CSRF_ENABLED=True, MAIL_BACKEND="memory")


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    """Serves ``live_app`` on a free local port; yields its base URL (also its SITE_URL)."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=_QuietHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["SITE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    yield base_url
    _stop(server, thread)


def _stop(server: BaseWSGIServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


# --- Browser contexts --------------------------------------------------------------------

def _new_context(browser: Browser, base_url: str, **options: Any) -> BrowserContext:
    context = browser.new_context(base_url=base_url, viewport=PHONE, bypass_csp=True,
                                  accept_downloads=True, **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    """A phone-sized context; ``bypass_csp`` lets axe be injected despite the app's CSP."""
    context = _new_context(browser, live_server)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def no_js_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A phone-sized page with JavaScript turned off."""
    context = _new_context(browser, live_server, java_script_enabled=False)
    yield context.new_page()
    context.close()


# --- Helpers -----------------------------------------------------------------------------

def log_in(page: Page, email: str, password: str) -> None:
    """Log in through the real form, as a person would."""
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Staff land on My training, managers on their venue's training: wait for either.
    page.get_by_role("button", name="Log out").wait_for()
    page.wait_for_load_state("load")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core findings (WCAG 2.0–2.2 A and AA) on the current page."""
    page.add_script_tag(path=str(AXE_JS))
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
             const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                     resultTypes: ['violations']});
             return result.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help,
               targets: v.nodes.map(n => n.target.join(' ')).slice(0, 10)}));
           }""",
        AXE_TAGS)
    return [v for v in found if v["impact"] in BLOCKING_IMPACTS]


def axe_check(page: Page) -> list[dict[str, Any]]:
    """Asserts axe finds nothing serious or critical; returns the (empty) list."""
    violations = axe_violations(page)
    assert not violations, f"axe on {page.url}:\n" + "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} – {json.dumps(v['targets'])}"
        for v in violations)
    return violations


def no_horizontal_overflow(page: Page) -> bool:
    """True when the page fits the 360 px viewport without sideways scrolling."""
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE["width"]


def assert_fits_phone(page: Page) -> None:
    """Asserts no horizontal overflow, naming the elements that stick out if there is.

    Waits for the load event first: until the stylesheet has arrived the page is laid out
    unstyled (the laptop table shows at 360 px), which under load made this flaky."""
    page.wait_for_load_state("load")
    assert no_horizontal_overflow(page), (
        f"{page.url} is {page.evaluate('document.documentElement.scrollWidth')} px wide, "
        f"more than {PHONE['width']} px; sticking out: {_sticking_out(page)}")


def _sticking_out(page: Page) -> list[str]:
    """Elements past the right edge that a scrolling wrapper does not contain."""
    return page.evaluate(
        """(limit) => {
             const contained = (e) => {
               const own = getComputedStyle(e).position;
               for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                 const s = getComputedStyle(a);
                 if (s.overflowX !== 'visible') return !['absolute', 'fixed'].includes(own);
                 if (s.position !== 'static') return false;
               }
               return false;
             };
             return [...document.body.querySelectorAll('*')]
               .filter(e => e.getBoundingClientRect().right > limit + 0.5 && !contained(e))
               .slice(-5).map(e => `${e.tagName.toLowerCase()}${e.className ? '.' + e.className : ''}`
                 + ` (position ${getComputedStyle(e).position},`
                 + ` right edge ${Math.round(e.getBoundingClientRect().right)} px)`);
           }""",
        PHONE["width"])
