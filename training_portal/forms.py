"""Validators shared by every feature's forms."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError


def _has_control_characters(value: str, allowed: str = "") -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in allowed
               for ch in value)


def no_control_characters(form: Any, field: Any) -> None:
    if _has_control_characters(field.data or ""):
        raise ValidationError(_l("Remove the invisible or control characters from this field."))


#: Zero-width non-joiner and joiner: part of how many Persian (and Indic) names are spelt.
NAME_JOINERS = "\u200c\u200d"


def no_control_characters_in_a_name(form: Any, field: Any) -> None:
    """As above, but the joiners names are spelt with are fine (bidi overrides are not)."""
    if _has_control_characters(field.data or "", allowed=NAME_JOINERS):
        raise ValidationError(_l("Remove the invisible or control characters from this field."))


def no_control_characters_multiline(form: Any, field: Any) -> None:
    """As above, but line breaks and tabs are fine in a text area."""
    if _has_control_characters(field.data or "", allowed="\n\r\t"):
        raise ValidationError(_l("Remove the invisible or control characters from this field."))


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def name_validators() -> list[Any]:
    return [
        DataRequired(_l("Enter your name.")),
        Length(max=120, message=_l("Use 120 characters or fewer.")),
        no_control_characters_in_a_name,
    ]


def printed_name_validators() -> list[Any]:
    """The optional "name as printed", asked for when certificates cannot print the name."""
    return [
        Optional(),
        Length(max=120, message=_l("Use 120 characters or fewer.")),
        no_control_characters_in_a_name,
    ]


def email_validators() -> list[Any]:
    return [
        DataRequired(_l("Enter your email address.")),
        Length(max=254, message=_l("Use 254 characters or fewer.")),
        Email(_l("Enter an email address like name@example.com."), check_deliverability=False),
    ]


def password_validators() -> list[Any]:
    return [
        DataRequired(_l("Enter a password.")),
        Length(min=10, max=200, message=_l("Use between 10 and 200 characters.")),
    ]
