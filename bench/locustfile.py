"""200 staff arriving at shift start: each logs in once, reads a lesson, takes its quiz.

Run by ``bench_locust.py`` (which makes the accounts, serves the portal and reads the log);
by hand::

    bench/.venv-locust/bin/locust -f bench/locustfile.py --headless -u 200 -r 3.34 \\
        --host http://127.0.0.1:18400

Settings from the environment: ``LOCUST_EMAIL`` (a pattern with ``{n}``, 1-based),
``LOCUST_PASSWORD``, ``LOCUST_MODULE``, ``LOCUST_PAGES`` (pages in the module),
``LOCUST_USERS`` (stop when this many journeys are done), ``LOCUST_LOG`` (a CSV of every
request: end time, name, milliseconds, failed, is it a log-in request, user number) and
``LOCUST_CA_BUNDLE`` (a certificate to trust: nginx's self-signed one with ``--nginx``; Locust's
client does not read ``REQUESTS_CA_BUNDLE``).
Runs in its own virtualenv (bench/.venv-locust): it imports nothing from the portal.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import time
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task

EMAIL = os.environ.get("LOCUST_EMAIL", "staff{n}@bench.example.org")
PASSWORD = os.environ.get("LOCUST_PASSWORD", "bench-password-1")
MODULE = os.environ.get("LOCUST_MODULE", "recognising-predatory-behaviour")
PAGES = int(os.environ.get("LOCUST_PAGES", "4"))
USERS = int(os.environ.get("LOCUST_USERS", "200"))
CA_BUNDLE = os.environ.get("LOCUST_CA_BUNDLE")
LOGIN_NAMES = frozenset({"GET /login", "POST /login"})

_numbers = itertools.count(1)
_finished = itertools.count(1)
_log_file = open(os.environ.get("LOCUST_LOG", os.devnull), "w", newline="")  # noqa: SIM115
_log = csv.writer(_log_file)
_log.writerow(["end", "name", "ms", "failed", "login", "user", "error"])


@events.request.add_listener
def record(request_type: str, name: str, response_time: float, exception: Any,
           context: dict[str, Any], **_: Any) -> None:
    label = f"{request_type} {name}"
    _log.writerow([f"{time.time():.3f}", label, f"{response_time:.1f}", int(exception is not None),
                   int(label in LOGIN_NAMES), context.get("user", 0),
                   "" if exception is None else f"{label}: {exception}"[:160]])


@events.quitting.add_listener
def close_log(**_: Any) -> None:
    _log_file.flush()


def csrf(html: str) -> str:
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return token.group(1) if token else ""


def first_choices(html: str) -> dict[str, str]:
    """One answer per question: the first choice shown (right or wrong, the quiz is complete)."""
    answers: dict[str, str] = {}
    for name, value in re.findall(r'name="(q-[^"]+)" id="[^"]*" value="([^"]+)"', html):
        answers.setdefault(name, value)
    return answers


class Staff(HttpUser):
    """One member of staff: log in once, read every page, take the quiz, then idle."""

    wait_time = between(1, 2)

    def on_start(self) -> None:
        if CA_BUNDLE:
            self.client.verify = CA_BUNDLE
            # Over HTTPS Flask-WTF wants a same-origin Referer on every POST, as a browser sends.
            # The site file forwards nginx's $host, which has no port (443 in production).
            origin = f"https://{urlsplit(self.host).hostname}"
            self.client.headers["Referer"] = f"{origin}/login"
        self.number = next(_numbers)
        self.context_data = {"user": self.number}
        self.done = self.number > USERS  # a replacement for a stopped user: nothing to do
        if self.done:
            return
        form = self.get("/login", "/login")
        with self.client.post("/login", name="/login", catch_response=True,
                              context=self.context_data,
                              data={"email": EMAIL.format(n=self.number), "password": PASSWORD,
                                    "csrf_token": csrf(form)}) as response:
            if response.status_code != 200 or "/login" in response.url:
                response.failure(f"log-in failed: {response.status_code} {response.url}")
                self.done = True

    def get(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, context=self.context_data,
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{path}: {response.status_code}")
            return str(response.text)

    @task
    def shift(self) -> None:
        if self.done:  # idle until the run ends: Locust would replace a stopped user
            time.sleep(5)
            return
        self.get("/my/training", "/my/training")
        self.get(f"/modules/{MODULE}", "/modules/[slug]")
        for number in range(1, PAGES + 1):
            self.wait()
            self.get(f"/modules/{MODULE}/{number}", "/modules/[slug]/[n]")
        self.take_quiz()
        self.get("/my/training", "/my/training")
        self.done = True
        if next(_finished) >= USERS:
            gevent.spawn(self.environment.runner.quit)  # not from this user's own greenlet

    def take_quiz(self) -> None:
        intro = self.get(f"/modules/{MODULE}/quiz", "/modules/[slug]/quiz")
        with self.client.post(f"/modules/{MODULE}/quiz/start", name="/modules/[slug]/quiz/start",
                              data={"csrf_token": csrf(intro)}, context=self.context_data,
                              catch_response=True) as response:  # follows to /quiz/<id>
            if response.status_code != 200 or "/quiz/" not in response.url:
                response.failure(f"quiz start: {response.status_code} {response.url}")
                return
            quiz_url, quiz = response.url, response.text
        self.wait()
        with self.client.post(quiz_url, name="/quiz/[id]", context=self.context_data,
                              data={**first_choices(quiz), "csrf_token": csrf(quiz)},
                              catch_response=True) as response:  # follows to the result
            if response.status_code != 200 or not response.url.endswith("/result"):
                response.failure(f"quiz submit: {response.status_code} {response.url}")
