"""Certificate verification codes: random, unambiguous, typed by hand from paper.

The alphabet drops characters people confuse when reading or typing a code aloud:
0/O, 1/I/L, and U (kept apart from V). 30 symbols x 16 characters = 78.5 bits from ``secrets``.
"""

from __future__ import annotations

import math
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 4
GROUP_SIZE = 4
LENGTH = GROUPS * GROUP_SIZE
_ALLOWED = frozenset(ALPHABET)


def entropy_bits() -> float:
    """Bits of randomness in one code, computed from the alphabet and length."""
    return LENGTH * math.log2(len(ALPHABET))


def new_code() -> str:
    """A new code in display form, e.g. ``K7QM-3XWD-9TRF-H2PN``."""
    return format_code("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def normalise(user_input: str) -> str | None:
    """Canonical stored form (16 characters, no dashes), or None if it cannot be a code.

    Accepts lower case, spaces and dashes anywhere; maps no look-alike characters, so
    a typo never silently matches somebody else's certificate.
    """
    cleaned = "".join(user_input.split()).replace("-", "")
    if (
        not cleaned.isascii()
    ):  # "ß".upper() == "SS": never let case-mapping invent characters
        return None
    cleaned = cleaned.upper()
    if len(cleaned) != LENGTH or not set(cleaned) <= _ALLOWED:
        return None
    return cleaned


def format_code(normalised: str) -> str:
    """Display form of a normalised code: four groups of four joined by dashes."""
    return "-".join(
        normalised[i : i + GROUP_SIZE] for i in range(0, len(normalised), GROUP_SIZE)
    )
