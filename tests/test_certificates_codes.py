"""Verification codes: random enough, unambiguous, forgiving only about case and dashes."""

from __future__ import annotations

import re

import pytest

from training_portal.certificates.codes import (
    ALPHABET,
    LENGTH,
    entropy_bits,
    format_code,
    new_code,
    normalise,
)

DISPLAY = re.compile(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}")


def test_alphabet_has_no_ambiguous_characters() -> None:
    assert not set("01OILU") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 30


def test_entropy_is_at_least_60_bits() -> None:
    assert entropy_bits() >= 60
    assert LENGTH == 16


def test_ten_thousand_codes_are_unique_and_well_formed() -> None:
    codes = [new_code() for _ in range(10_000)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert DISPLAY.fullmatch(code)
        assert set(code.replace("-", "")) <= set(ALPHABET)


def test_every_symbol_is_used() -> None:
    seen = set("".join(new_code() for _ in range(500)).replace("-", ""))
    assert seen == set(ALPHABET)


@pytest.mark.parametrize(
    "typed",
    [
        "K7QM-3XWD-9TRF-H2PN",
        "k7qm-3xwd-9trf-h2pn",
        "K7QM3XWD9TRFH2PN",
        " k7qm 3xwd 9trf h2pn ",
        "K7QM-3XWD9TRF-h2pn",
    ],
)
def test_normalise_accepts_case_spaces_and_missing_dashes(typed: str) -> None:
    assert normalise(typed) == "K7QM3XWD9TRFH2PN"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "K7QM-3XWD-9TRF-H2P",  # too short
        "K7QM-3XWD-9TRF-H2PNN",  # too long
        "K7QM-3XWD-9TRF-H2P0",  # zero is never issued, and is not mapped to O
        "K7QM-3XWD-9TRF-H2PO",
        "K7QM-3XWD-9TRF-H2P1",
        "K7QM-3XWD-9TRF-H2PU",
        "K7QM_3XWD_9TRF_H2PN",
        "K7QM-3XWD-9TRF-H2P\u00df",  # "ß".upper() is "SS": no case-mapping tricks
        "K7QM-3XWD-9TRF-H2P\uff2e",  # full-width N
        "K7QM-3XWD-9TRF-H2P/",
    ],
)
def test_normalise_rejects_bad_input(typed: str) -> None:
    assert normalise(typed) is None


def test_format_round_trips() -> None:
    code = new_code()
    normalised = normalise(code)
    assert normalised is not None and len(normalised) == LENGTH
    assert format_code(normalised) == code
