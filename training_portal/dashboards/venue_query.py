"""What a manager asked the training matrix for (filters, sort, former staff), from plain
query-string values. Unknown or malformed values (a filter, sort, page number or `leavers`) are
dropped and named in `ignored`, never an error: the
address may come from an old bookmark after a module was retired."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from training_portal.dashboards.venue import SORTS, PersonRow, filter_rows, sort_rows
from training_portal.learning import status

#: Person-level filters beside the cell states: people who have not opened a single module,
#: and people past the venue's new-starter deadline.
NEVER_STARTED = "never_started"
PAST_DEADLINE = "past_deadline"
STATUS_FILTERS = (*status.STATES, NEVER_STARTED, PAST_DEADLINE)
SORT_CHOICES = ("name", "joined", "activity")  # the page's sorts (SORTS also has "status")
#: `leavers=1` lists former staff too; `leavers=0` (or none) does not.
LEAVERS_CHOICES = ("0", "1")
MAX_SHOWN = 40  # an ignored value is echoed back in a note; keep it short
#: People per page of the matrix (the figures above it always count every current member).
PER_PAGE = 100


@dataclass(frozen=True)
class MatrixQuery:
    module: str | None = None
    state: str | None = None
    sort: str = "name"
    leavers: bool = False
    page: int = 1  # asked for; `Page.of` keeps it within the pages there are
    ignored: tuple[tuple[str, str], ...] = ()  # (parameter, value) that were not understood

    @property
    def filtered(self) -> bool:
        return self.module is not None or self.state is not None


def parse_query(args: Mapping[str, str], module_slugs: Sequence[str]) -> MatrixQuery:
    ignored: list[tuple[str, str]] = []

    def pick(name: str, allowed: Sequence[str]) -> str | None:
        value = (args.get(name) or "").strip()
        if not value:
            return None
        if value not in allowed:
            ignored.append((name, value[:MAX_SHOWN]))
            return None
        return value

    module = pick("module", module_slugs)
    state = pick("status", STATUS_FILTERS)
    sort = pick("sort", [s for s in SORTS if s in SORT_CHOICES]) or "name"
    leavers = pick("leavers", LEAVERS_CHOICES) == "1"
    page = _page_number(args.get("page"))
    if page is None:
        ignored.append(("page", (args.get("page") or "").strip()[:MAX_SHOWN]))
    return MatrixQuery(module, state, sort, leavers, page or 1, tuple(ignored))


def _page_number(value: str | None) -> int | None:
    """A page number from the address: missing is page 1; None when it is not a page number
    (0, "abc", "-1", "2.5", or more than 6 digits), which the caller names as ignored."""
    text = (value or "").strip()
    if not text:
        return 1
    if not text.isascii() or not text.isdigit() or len(text) > 6 or int(text) < 1:
        return None
    return int(text)


@dataclass(frozen=True)
class Page:
    """One page of the matrix's people: ``rows`` are positions ``first``..``last`` (1-based)
    of ``total`` chosen people."""

    rows: tuple[PersonRow, ...]
    number: int
    pages: int
    total: int
    per_page: int = PER_PAGE

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def paged(self) -> bool:
        return self.pages > 1

    @classmethod
    def of(cls, rows: Sequence[PersonRow], asked: int, per_page: int | None = None) -> Page:
        """The asked page, or the last one when it is past the end (a list that shrank)."""
        per_page = per_page or PER_PAGE
        pages = max(1, -(-len(rows) // per_page))
        number = min(max(1, asked), pages)
        start = (number - 1) * per_page
        return cls(tuple(rows[start:start + per_page]), number, pages, len(rows), per_page)


def apply_query(rows: Sequence[PersonRow], query: MatrixQuery) -> list[PersonRow]:
    if query.state == NEVER_STARTED:
        chosen = [r for r in rows if r.never_started]
    elif query.state == PAST_DEADLINE:
        chosen = [r for r in rows if r.past_starter_deadline]
    else:
        chosen = filter_rows(rows, query.module, query.state)
    return sort_rows(chosen, query.sort)

