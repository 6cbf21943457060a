"""What the portal writes to its log: events without secrets, one line each.

* ``escape`` turns CR, LF and other control characters into visible escapes, so a value a
  visitor typed (a name, an address) can never forge a second log line.
* ``install`` makes every record from the portal's own loggers escape its arguments that way
  (the message template may hold line breaks on purpose; the values never do).
* ``event`` writes a security event (failed log-in, role change, name or email change…) to
  the ``training_portal.events`` logger: an action and plain fields, never a password, token,
  link, mail body or cookie (callers pass identifiers, not secrets; ``SECRET_FIELDS`` are dropped).
"""

from __future__ import annotations

import logging
import re
from typing import Any

EVENTS = logging.getLogger("training_portal.events")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
#: Never written, whatever a caller passes by mistake.
SECRET_FIELDS = frozenset({"password", "token", "link", "url", "body", "cookie", "session", "secret"})


def escape(value: object) -> str:
    """The value on one line: CR/LF and control characters written as visible escapes."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), str(value))


def _escaped(arg: Any) -> Any:
    return escape(arg) if isinstance(arg, str) else arg


_installed = False


def install() -> None:
    """Escape the arguments of every log record from ``training_portal.*`` (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name.startswith("training_portal") and record.args:
            if isinstance(record.args, tuple):
                record.args = tuple(_escaped(a) for a in record.args)
            elif isinstance(record.args, dict):
                record.args = {k: _escaped(v) for k, v in record.args.items()}
        return record

    logging.setLogRecordFactory(factory)


def event(action: str, **fields: Any) -> None:
    """One line, e.g. ``event account.login_failed user=12 address=203.0.113.9``."""
    shown = " ".join(f"{key}={escape(value)}" for key, value in sorted(fields.items())
                     if key not in SECRET_FIELDS)
    EVENTS.info("event %s %s", action, shown)
