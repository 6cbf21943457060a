"""CSV exports: safe to open in a spreadsheet, readable by Excel, exact for any CSV reader."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from training_portal.csv_export import csv_bytes, neutralise

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1:A9)", "\tx", "\rx", '=HYPERLINK("http://x.example","y")']
HARMLESS = ["Anne-Marie", "−5", "O'Neill", "a=b", "Zoë Ørsted", "", "x-1", "In date"]


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_text_a_spreadsheet_would_run_gets_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert read_back(csv_bytes(["name"], [[text]])) == [["name"], ["'" + text]]


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_untouched(text: str) -> None:
    assert neutralise(text) == text


def test_values_that_are_not_text() -> None:
    assert neutralise(None) == ""
    assert neutralise(date(2026, 11, 30)) == "2026-11-30"
    assert neutralise(datetime(2026, 11, 30, 21, 5)) == "2026-11-30T21:05:00"
    # numbers are data, never formulas: a negative one keeps its sign and no apostrophe
    assert [neutralise(v) for v in (-5, 3.5, Decimal("-1.50"), 0, True)] == ["-5", "3.5", "-1.50", "0", "True"]


def test_bom_and_crlf_so_excel_reads_utf8() -> None:
    data = csv_bytes(["Person", "Module"], [["Zoë", "Spotting risk"]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "Person,Module\r\nZoë,Spotting risk\r\n"


def test_commas_quotes_and_line_breaks_round_trip() -> None:
    rows = [
        ["Smith, Jo", 'She said "hi"', "line one\nline two"],
        ["carriage\rreturn", "tab\tinside", "  spaces  "],
    ]
    assert read_back(csv_bytes(["a", "b", "c"], rows)) == [["a", "b", "c"], *rows]


def test_non_latin_text_round_trips() -> None:
    names = ["Zoë Ørsted", "Αλέξανδρος Παπαδόπουλος", "Анна Кузнецова", "Łukasz Żółć", "李小龍"]
    assert read_back(csv_bytes(["Person"], [[n] for n in names])) == [["Person"], *([n] for n in names)]


def test_every_cell_is_neutralised_header_and_mixed_types_included() -> None:
    rows = iter([("=cmd|' /C calc'!A0", date(2026, 1, 2), None, 7)])  # any iterable of rows
    assert read_back(csv_bytes(["@header", "Passed"], rows)) == [
        ["'@header", "Passed"],
        ["'=cmd|' /C calc'!A0", "2026-01-02", "", "7"],
    ]


def test_no_rows_is_just_the_header() -> None:
    assert csv_bytes(["Person"], []) == b"\xef\xbb\xbfPerson\r\n"
