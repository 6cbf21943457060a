"""CSV exports that a venue manager can open in a spreadsheet without surprises.

Pure: imports nothing from the portal, so any view (or a command-line export) can use it.

Two things make a raw ``csv.writer`` unsafe or awkward for this audience:
- Spreadsheet software runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
  formula (and tab or carriage return let a formula hide behind white space). Names and
  module titles are typed by the public, so a staff member called ``=HYPERLINK(...)``
  must stay text: such cells get a leading apostrophe, which Excel and LibreOffice read
  as "this is text" (OWASP's advice for CSV injection).
- Excel assumes a legacy code page for a CSV without a byte-order mark, which garbles
  accented, Greek and Cyrillic names; a UTF-8 BOM makes it read UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value: object) -> str:
    """The cell text for ``value``: safe to open in a spreadsheet, readable by people.

    ``None`` is an empty cell; dates and times are ISO 8601 (unambiguous whatever the
    reader's locale). Numbers are left alone: a negative number is data, not a formula,
    and it cannot carry one. Any other value is text, and text that a spreadsheet would
    run as a formula gets a leading apostrophe.
    """
    if value is None:
        return ""
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):  # bool is an int: "True"/"False"
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A whole CSV file: UTF-8 with a BOM, CRLF line ends (RFC 4180), every cell neutralised.

    Quoting is the ``csv`` module's own (minimal), so commas, quotes and line breaks
    inside a cell survive a round trip through any CSV reader.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return (BOM + buffer.getvalue()).encode("utf-8")
