"""CPU per request of the portal's busiest pages against a minimal Flask app, in-process.

    .venv/bin/python bench/bench_overhead.py [--requests 300] [--rounds 5]
    .venv/bin/python bench/bench_overhead.py --profile /my/training [--requests 300]

Budgets (issue 11): a lesson page <= 1.7x, My training and the quiz page <= 2.5x the CPU per
request of a minimal Flask app returning the same bytes. bench/ also has the side-by-side
under gunicorn; this script is the quick, repeatable check while working: both apps run in
this process through Flask's test client (no sockets, no server), and the figure is
``time.process_time()`` per request, rounds alternating portal / minimal app.

Builds a throwaway SQLite database (or uses BENCH_DATABASE_URL, e.g. a PostgreSQL database
that may be emptied), a person who has read pages and passed two modules, and signs them in
through the real log-in form (CSRF on). ``--profile PATH`` prints cProfile's cumulative share
of the request for the parts every request pays (rate limiter, CSRF, session check, ...).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402

from training_portal import create_app  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EMAIL, PASSWORD = "overhead@example.org", "bench-password-1"
LESSON_SLUG, QUIZ_SLUG, PASSED = "ask-for-angela", "drink-spiking", ("ask-for-angela", "drink-spiking")
BUDGETS = {"lesson": 1.7, "my training": 2.5, "quiz": 2.5}

#: (label, file suffix, function) whose cumulative time is shown as a share of the request.
PROFILE_PARTS = [
    ("whole request (Flask wsgi_app)", "flask/app.py", "wsgi_app"),
    ("  before_request hooks", "flask/app.py", "preprocess_request"),
    ("    rate limiter check", "flask_limiter/_extension.py", "_check_request_limit"),
    ("    locale parsed (babel Locale.parse)", "babel/core.py", "parse"),
    ("    CSRF protect (before request)", "flask_wtf/csrf.py", "protect"),
    ("    session limits (enforce_session_limits)", "accounts/sessions.py", "enforce_session_limits"),
    ("    content reload check", "modules/catalog.py", "maybe_reload"),
    ("  session check (load_user)", "accounts/sessions.py", "load_user"),
    ("  connection checkout (pool)", "sqlalchemy/pool/base.py", "_checkout"),
    ("    of which pre-ping", "sqlalchemy/engine/default.py", "_do_ping_w_event"),
    ("  My training: progress (training_progress)", "learning/progress.py", "training_progress"),
    ("  My training: venues (before: two ORM queries)", "learning/venue_policy.py", "policies_of_member"),
    ("", "venues/services.py", "memberships_of"),
    ("  My training: venues (after: one statement)", "learning/venue_policy.py", "venues_of_member"),
    ("  My training: facts + venues (one statement)", "learning/progress.py", "my_training_facts"),
    ("  site menu (kept per variant)", "web/menu.py", "site_menu"),
    ("  render_template", "flask/templating.py", "render_template"),
    ("  csrf token made (generate_csrf)", "flask_wtf/csrf.py", "generate_csrf"),
    ("  after_request hooks", "flask/app.py", "process_response"),
    ("  teardown (database session removed)", "flask/app.py", "do_teardown_appcontext"),
]


def portal(database_url: str) -> Flask:
    return create_app({
        "SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": database_url,
        "CONTENT_DIR": str(PROJECT_ROOT / "content"), "MAIL_BACKEND": "memory",
        "RATELIMIT_STORAGE_URI": "memory://"})


def prepare(app: Flask) -> None:
    """Schema, and a person with page views and two passes (a certificate each)."""
    from flask_migrate import upgrade

    from training_portal.accounts.models import User
    from training_portal.accounts.passwords import hash_password
    from training_portal.db import utcnow
    from training_portal.extensions import db
    from training_portal.learning.models import Attempt, Completion, PageView

    with app.app_context():
        upgrade()
        user = User(name="Overhead Reader", email=EMAIL, password_hash=hash_password(PASSWORD))
        db.session.add(user)
        db.session.flush()
        catalog = app.extensions["catalog"].current
        for slug in PASSED:
            module = catalog.modules[slug]
            db.session.add_all(PageView(user_id=user.id, module_slug=slug, page_number=n)
                               for n in range(1, len(module.pages) + 1))
            attempt = Attempt(public_id=secrets.token_urlsafe(16), user_id=user.id, module_slug=slug,
                              module_version=module.version, content_hash=module.content_hash,
                              drawn=[], score=100, passed=True, graded_at=utcnow())
            db.session.add(attempt)
            db.session.flush()
            db.session.add(Completion(
                user_id=user.id, attempt_id=attempt.id, module_slug=slug, module_title=module.title,
                module_version=module.version, content_hash=module.content_hash, score=100,
                passed_at=utcnow(), expires_on=(utcnow() + timedelta(days=300)).date()))
        db.session.commit()


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found.group(1)


def sign_in(app: Flask) -> Any:
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    answer = client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                         "csrf_token": _token(form)})
    assert answer.status_code in (302, 303), f"log-in failed: {answer.status_code}"
    return client


def quiz_path(client: Any) -> str:
    """Open a quiz attempt on QUIZ_SLUG (its pages were read) and return its page's path."""
    intro = client.get(f"/modules/{QUIZ_SLUG}/quiz").get_data(as_text=True)
    started = client.post(f"/modules/{QUIZ_SLUG}/quiz/start", data={"csrf_token": _token(intro)})
    assert started.status_code in (302, 303), f"quiz did not start: {started.status_code}"
    return started.headers["Location"]


def minimal_client(body: bytes, content_type: str) -> Any:
    """A minimal Flask app returning ``body``: what a page would cost with no portal around it."""
    app = Flask("minimal")

    @app.route("/page")
    def page() -> Any:
        return app.response_class(body, content_type=content_type)

    return app.test_client()


def cpu_per_request(client: Any, path: str, n: int) -> float:
    """Milliseconds of this process's CPU per GET of ``path``."""
    start = time.process_time()
    for _ in range(n):
        client.get(path)
    return (time.process_time() - start) * 1000 / n


def measure(client: Any, path: str, n: int, rounds: int) -> tuple[float, float]:
    """(portal ms, minimal app ms): medians over rounds that alternate the two."""
    page = client.get(path)
    assert page.status_code == 200, f"{path} gave {page.status_code}"
    minimal = minimal_client(page.get_data(), page.headers["Content-Type"])
    cpu_per_request(client, path, 20)
    cpu_per_request(minimal, "/page", 20)
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(cpu_per_request(client, path, n))
        theirs.append(cpu_per_request(minimal, "/page", n))
    return statistics.median(ours), statistics.median(theirs)


def profile(client: Any, path: str, n: int) -> None:
    for _ in range(20):
        client.get(path)
    profiler = cProfile.Profile(time.process_time)  # CPU, not time spent waiting
    profiler.enable()
    for _ in range(n):
        client.get(path)
    profiler.disable()
    stats: Any = pstats.Stats(profiler)
    cumulative = {(file, name): entry[3] for (file, _line, name), entry in stats.stats.items()}
    whole = sum(t for (f, name), t in cumulative.items()
                if f.endswith("flask/app.py") and name == "wsgi_app") or 1.0
    print(f"cProfile (CPU time), {n} GETs of {path} (cumulative share of the request):")
    shares = []
    for label, suffix, name in PROFILE_PARTS:
        share = sum(t for (f, fn), t in cumulative.items() if f.endswith(suffix) and fn == name)
        if label:
            shares.append([label, share])
        else:  # no label: added to the line above
            shares[-1][1] += share
    for label, share in shares:
        print(f"  {label:<48} {100 * share / whole:5.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", metavar="PATH", help="profile one page instead ('quiz' for the quiz)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'overhead.sqlite3'}"
        app = portal(url)
        prepare(app)
        client = sign_in(app)
        lesson = f"/modules/{LESSON_SLUG}/1"
        client.get(lesson)  # the page view is recorded on the first read
        paths = {"lesson": lesson, "my training": "/my/training", "quiz": quiz_path(client)}
        if args.profile:
            profile(client, paths.get(args.profile, args.profile), args.requests)
            return
        print(f"CPU per request, in-process test client, median of {args.rounds} x {args.requests}"
              f" ({'PostgreSQL' if url.startswith('postgres') else 'SQLite'}):")
        for name, path in paths.items():
            ours, theirs = measure(client, path, args.requests, args.rounds)
            ratio = ours / theirs
            verdict = "met" if ratio <= BUDGETS[name] else "missed"
            print(f"  {name:<12} {ours:6.3f} ms vs minimal {theirs:6.3f} ms = {ratio:4.2f}x"
                  f" (budget <= {BUDGETS[name]}x: {verdict})")


if __name__ == "__main__":
    main()
