"""Addresses: redirect targets stay on this site; path identifiers are checked by shape."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from werkzeug.routing import BaseConverter, IntegerConverter, Map

#: The longest identifier any address carries (tokens are 43 characters, codes typed with
#: spaces and dashes fewer than 40, slugs and image names fewer than 100).
MAX_IDENTIFIER = 100
#: Unguessable ids made by ``secrets.token_urlsafe`` (attempts' public ids).
URLSAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class IdentifierConverter(BaseConverter):
    """Every ``<name>`` in a route (the default converter): printable ASCII except ``/``, 1 to
    MAX_IDENTIFIER characters. Anything else (a NUL byte, control characters, non-ASCII text,
    an over-long value) does not match the route, so it is a 404 before any view or query runs:
    the same answer on SQLite and PostgreSQL (whose driver refuses NUL bytes with an error)."""

    regex = f"[ -.0-~]{{1,{MAX_IDENTIFIER}}}"  # 0x20-0x2E and 0x30-0x7E: no "/" (0x2F)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` up to the largest id a database integer column holds, so a 20-digit number
    is a 404, not an "integer out of range" error from PostgreSQL."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = 2**31 - 1, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def is_urlsafe_id(value: str) -> bool:
    return URLSAFE_ID.fullmatch(value) is not None


def safe_next(target: str | None) -> str | None:
    """A local path, or None. Rejects absolute URLs, ``//host``, ``/\\host`` and control chars."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
