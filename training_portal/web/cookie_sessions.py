"""Flask's signed-cookie sessions, with each verified cookie remembered for a while.

Every request of a signed-in person carries the same cookie until the session changes (a
new page read, the once-a-minute "last seen" time). Flask verified it afresh each time:
HMAC, base64, zlib, JSON and the tag scan were about a seventh of a lesson page's CPU.
``VerifiedCookieSessions`` remembers, per worker, what a cookie that passed verification
decoded to, keyed by the request's exact Cookie header (what Werkzeug parses the session
cookie from) *and* the signing keys, so:

- a tampered or unknown cookie is never found and goes through Flask's full verification;
- a remembered cookie is still refused once it is older than the session's lifetime
  (``PERMANENT_SESSION_LIFETIME``), by the same rule itsdangerous applies: age in whole
  seconds from the signature's timestamp, refused when above the lifetime or negative;
- a change of ``SECRET_KEY`` or ``SECRET_KEY_FALLBACKS`` changes the key, so nothing verified
  with a key that has gone is ever accepted again;
- each request gets its own copy of the data, so a view that changes the session in place
  (``flash`` appends to a list) never changes what the next request decodes.

The cache holds at most ``MAX_COOKIES`` entries (oldest dropped first; a cookie is ~0.5 KB),
and a Cookie header longer than ``MAX_HEADER`` is verified every time instead.
Session revocation is untouched: the user loader still checks the session version the cookie
carries (accounts/sessions.py).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

if TYPE_CHECKING:
    from flask import Flask, Request, Response
    from flask.sessions import SessionMixin

#: Verified cookies remembered per worker (a few hundred people at once, each cookie ~0.5 KB).
MAX_COOKIES = 1024
#: A longer Cookie header (other cookies besides the session's) is never remembered.
MAX_HEADER = 2048
#: Signing keys in use: the current key and its fallbacks (a rotation adds one entry).
_Keys = tuple[str | bytes, ...]
#: What a verified cookie is remembered by: the signing keys, the cookie's name, the Cookie header.
_Key = tuple[_Keys, str, str]


class VerifiedCookieSessions(SecureCookieSessionInterface):
    """Same cookie format, same checks as Flask's; a verified cookie is decoded once."""

    def __init__(self, max_cookies: int = MAX_COOKIES) -> None:
        self._verified: dict[_Key, tuple[int, dict[str, Any]]] = {}
        self._serializers: dict[_Keys, URLSafeTimedSerializer] = {}
        self._lock = threading.Lock()
        self._max = max_cookies

    def __len__(self) -> int:
        return len(self._verified)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask builds a new serializer per request; one per set of keys does the same work."""
        keys = _signing_keys(app)
        if keys is None:
            return None
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if len(self._serializers) >= 8:  # keys rarely change; never grows without bound
                self._serializers.clear()
            self._serializers[keys] = serializer  # type: ignore[assignment]
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        keys = _signing_keys(app)
        if keys is None:
            return None
        name = self.get_cookie_name(app)
        # Remembered by the whole Cookie header, which is what Werkzeug parses the cookie from:
        # a request whose header is exactly one seen before needs neither parsing nor checking.
        header = request.environ.get("HTTP_COOKIE", "")
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = self._verified.get((keys, name, header))
        if found is None:
            cookie = request.cookies.get(name)
            if not cookie:
                return self.session_class()
            found = self._verify(app, (keys, name, header), cookie, max_age)
            if found is None:
                return self.session_class()
        signed_at, data = found
        age = int(time.time()) - signed_at  # itsdangerous's rule (TimestampSigner.unsign)
        if age > max_age or age < 0:
            return self.session_class()
        return self.session_class(_fresh_copy(data))

    def _verify(self, app: Flask, key: _Key, cookie: str,
                max_age: int) -> tuple[int, dict[str, Any]] | None:
        serializer = self.get_signing_serializer(app)
        assert serializer is not None  # there is a secret key
        try:
            data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:  # tampered, signed with another key, or expired
            return None
        found = (int(signed_at.timestamp()), data)
        if len(key[2]) > MAX_HEADER:
            return found
        with self._lock:
            while len(self._verified) >= self._max:
                del self._verified[next(iter(self._verified))]  # the oldest first
            self._verified[key] = found
        return found

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Flask works out all seven cookie settings before asking whether the cookie is
        sent at all; an unchanged session (most pages) only needs its ``Vary: Cookie``."""
        if session and not self.should_set_cookie(app, session):
            if session.accessed:
                _vary_on_cookie(response)
            return
        super().save_session(app, session, response)


def _vary_on_cookie(response: Response) -> None:
    """``response.vary.add("Cookie")``, without parsing a Vary header that is not there."""
    if "Vary" in response.headers:
        response.vary.add("Cookie")
    else:
        response.headers.add("Vary", "Cookie")


def _signing_keys(app: Flask) -> _Keys | None:
    """The keys a cookie may be signed with, as Flask orders them (fallbacks, then current)."""
    if not app.secret_key:
        return None
    return (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)


#: The decoded JSON's containers (Flask's tagged JSON turns tuples back into tuples).
_CONTAINERS = (dict, list, tuple)


def _fresh_copy(value: Any) -> Any:
    """The decoded JSON again, with new lists and dicts (other values cannot change)."""
    kind = type(value)
    if kind is dict:
        return {key: _fresh_copy(item) if type(item) in _CONTAINERS else item
                for key, item in value.items()}
    if kind is list or kind is tuple:
        return kind(_fresh_copy(item) if type(item) in _CONTAINERS else item for item in value)
    return value
